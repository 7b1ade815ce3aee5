import DiskIO
import Foundation
// Publishing: blob first (streamed through zstd into tmp/, hashed while written, fsynced, linked
// into blobs/), then the manifest under the next free version (exclusive link, so concurrent
// publishers get distinct versions), then the tags. Holds the store lock shared throughout so gc
// never sweeps a blob between its link and the manifest that references it.
import Vocabulary

#if canImport(Glibc)
import Glibc
#endif

extension ModelStore {
    /// Publishes `checkpoint` as the next version of `name`, moves `latest` to it (if it is the
    /// newest version) and sets `tags`. Returns the manifest written.
    @discardableResult
    public func publish(
        _ checkpoint: Checkpoint, as name: ModelName, details: ModelDetails,
        dtype: TensorDType = .f32, tags: [TagName] = []
    ) throws -> ModelManifest {
        try checkDetails(details, dtype: dtype, uncompressedSize: nil, model: "\(name) (to publish)")
        try checkWeights(checkpoint, details: details, model: "\(name) (to publish)")
        let bytes = try Safetensors.encode(checkpoint, dtype: dtype)
        if dtype == .f16, configuration.validator != nil {
            // f16 rounds values above 65504 to infinity: check what the blob will hold.
            try checkWeights(try Safetensors.decode(bytes), details: details, model: "\(name) (to publish in f16)")
        }
        guard bytes.count <= configuration.maximumCheckpointBytes else {
            throw ModelStoreError.sizeLimitExceeded(
                path: "checkpoint for \(name)", declared: bytes.count,
                limit: configuration.maximumCheckpointBytes)
        }
        return try lock(storeLockPath, .shared) {
            let (digest, compressedSize, _) = try storeBlob { sink in
                let compressor = try ZstdCompressor(level: configuration.compressionLevel)
                try bytes.withUnsafeBytes { all in
                    let chunk = 1 << 20
                    var offset = 0
                    repeat {
                        let end = min(offset + chunk, all.count)
                        try compressor.compress(
                            UnsafeRawBufferPointer(rebasing: all[offset..<end]),
                            finish: end == all.count, sink: sink)
                        offset = end
                    } while offset < all.count
                }
            }
            return try commitVersion(name: name, tags: tags) { version in
                ModelManifest(
                    name: name, version: version, details: details, blob: digest, compressedSize: compressedSize,
                    uncompressedSize: bytes.count, dtype: dtype, created: wholeSeconds(configuration.clock()))
            }
        }
    }

    /// Streams the bytes `produce` hands to its sink into `tmp/`, hashing them, then links the
    /// file to `blobs/<digest>`. An existing blob with that digest is kept when it still hashes to
    /// its name and has the same size (content addressed); one that does not (a flipped bit, a
    /// truncation) is moved aside to `tmp/damaged-<digest>-<random>` and replaced by the good copy
    /// just written, which is how `kac publish` and `kac zoo import` repair a damaged blob.
    /// Returns the digest, the size and whether a damaged blob was replaced.
    func storeBlob(_ produce: (_ sink: (UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws -> (Digest, Int, Bool) {
        do {
            try makeDirectory(temporaryDirectory)
            try makeDirectory(blobsDirectory)
            let file = try StreamingFile(directory: temporaryDirectory, prefix: "blob")
            var hasher = DigestHasher()
            var size = 0
            try produce { chunk in
                hasher.update(chunk)
                size += chunk.count
                try file.append(chunk)
            }
            let digest = hasher.finalize()
            try file.finish()
            try configuration.faults.trigger(.afterBlobWrite)
            let repaired = try moveAsideIfDamaged(digest, size: size)
            try file.publish(to: blobPath(digest))
            try configuration.faults.trigger(.afterBlobRename)
            return (digest, size, repaired)
        } catch let error as DiskIOError {
            throw ModelStoreError.wrap(error, path: temporaryDirectory)
        }
    }

    /// Moves `blobs/<digest>` into `tmp/` when it exists but fails its digest or size; true if it did.
    private func moveAsideIfDamaged(_ digest: Digest, size: Int) throws -> Bool {
        let path = blobPath(digest)
        guard FileManager.default.fileExists(atPath: path) else { return false }
        do {
            try scanBlob(path, expected: digest, expectedSize: size)
            return false
        } catch let error as ModelStoreError {
            guard case .corruptBlob = error else { throw error }
        }
        var generator = SystemRandomNumberGenerator()
        let aside = "\(temporaryDirectory)/damaged-\(digest)-\(String(generator.next(), radix: 16))"
        guard rename(path, aside) == 0 else {
            let code = errno
            if code == ENOENT { return false }  // removed meanwhile; the link below restores it
            throw ModelStoreError.io(path: path, cause: Reason("cannot move the damaged blob aside", errno: code))
        }
        return true
    }

    /// Writes the manifest `make(version)` under the next free version of `name` (retrying when
    /// another publisher takes it first), then moves `latest` forward and sets `tags`.
    func commitVersion(
        name: ModelName, tags: [TagName],
        _ make: (Int) throws -> ModelManifest
    ) throws -> ModelManifest {
        try makeDirectory(modelDirectory(name))
        var manifest: ModelManifest
        var attempts = 0
        while true {
            manifest = try make(try highestVersion(of: name) + 1)
            if try StoreJSON.write(manifest, to: manifestPath(name, version: manifest.version), exclusive: true) { break }
            attempts += 1
            // Each failed attempt means another publisher succeeded, so this cannot spin forever
            // unless the directory is being tampered with.
            guard attempts < 10_000 else {
                throw ModelStoreError.refused(
                    "could not allocate a version for \(name) after \(attempts) attempts; "
                        + "check \(modelDirectory(name)) for files that are not manifests")
            }
        }
        try configuration.faults.trigger(.afterManifestWrite)
        try configuration.faults.trigger(.beforeTagMove)
        try updateTags(of: name) { current in
            var moves: [(TagName, Int, TagEvent.Reason)] = []
            if (current[TagName.latest.description] ?? 0) < manifest.version {
                moves.append((.latest, manifest.version, .publish))
            }
            for tag in tags where tag != .latest { moves.append((tag, manifest.version, .publish)) }
            return moves
        }
        return manifest
    }

    /// ISO 8601 in manifests keeps whole seconds; round here so the returned manifest equals the stored one.
    func wholeSeconds(_ date: Date) -> Date { Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down)) }

    /// The largest version number ever used for `name` (live or removed); 0 when none.
    func highestVersion(of name: ModelName) throws -> Int {
        var highest = 0
        for entry in entries(of: modelDirectory(name)) {
            for suffix in [".json", ".removed"] where entry.hasSuffix(suffix) {
                if let version = Self.version(fromFileStem: entry.dropLast(suffix.count)), version > highest { highest = version }
            }
        }
        return highest
    }

    /// Live versions of `name`, ascending.
    public func versions(of name: ModelName) -> [Int] {
        entries(of: modelDirectory(name)).compactMap { entry -> Int? in
            guard entry.hasSuffix(".json") else { return nil }
            return Self.version(fromFileStem: entry.dropLast(5))
        }.sorted()
    }

    /// `12` from `12.json`: decimal digits only, no sign or leading zero, at least 1.
    static func version(fromFileStem stem: Substring) -> Int? {
        guard let first = stem.first, first != "0", stem.count <= 18, stem.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(stem)
    }
}

extension ModelStore {
    /// Publishes `source`'s weights again as the next version of its name with other `details` (for
    /// evaluation rows measured after publication: manifests are immutable). The blob is shared and
    /// verified against its digest first, so a damaged blob is never given a new version.
    @discardableResult
    public func republish(_ source: ModelManifest, details: ModelDetails, tags: [TagName] = []) throws -> ModelManifest {
        try checkDetails(
            details, dtype: source.dtype, uncompressedSize: source.uncompressedSize, model: "\(source.name) (new version)")
        return try lock(storeLockPath, .shared) {
            _ = try readBlob(source)
            return try commitVersion(name: source.name, tags: tags) { version in
                ModelManifest(
                    name: source.name, version: version, details: details, blob: source.blob,
                    compressedSize: source.compressedSize, uncompressedSize: source.uncompressedSize, dtype: source.dtype,
                    created: wholeSeconds(configuration.clock()))
            }
        }
    }
}
