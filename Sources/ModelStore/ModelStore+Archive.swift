import DiskIO
import Foundation
// Moving one model version between stores as a single file. Archive format (schema 1), all
// integers little-endian:
//   "KACMODEL" | u32 schema | u32 reserved (0) | u64 manifest length | manifest JSON
//   | u64 blob length | blob (zstd safetensors) | 32-byte sha256 of everything before it.
// Import checks every length, the trailer, the manifest, the blob digest and the weights before
// anything touches the store, then publishes it as the next version of its name.
import Vocabulary

// XXX: export and import hold the whole archive in memory (fine for the ~4 MB models of KAC.md §8;
// stream it through StreamingFile before models approach the 2 GiB cap).
extension ModelStore {
    static let archiveMagic = Array("KACMODEL".utf8)
    public static let archiveSchema: UInt32 = 1

    /// Writes the version `reference` resolves to (manifest and blob) to `path`, atomically.
    @discardableResult
    public func export(_ reference: ModelReference, to path: String) throws -> ModelManifest {
        let manifest = try resolve(reference)
        _ = try readBlob(manifest)
        let blob = try readRawBlob(manifest)
        let manifestBytes = try StoreJSON.encode(manifest)
        var bytes = Self.archiveMagic
        Self.append(UInt64(Self.archiveSchema), bytes: 4, to: &bytes)
        Self.append(0, bytes: 4, to: &bytes)
        Self.append(UInt64(manifestBytes.count), bytes: 8, to: &bytes)
        bytes += manifestBytes
        Self.append(UInt64(blob.count), bytes: 8, to: &bytes)
        bytes += blob
        bytes += Digest.sha256(of: bytes).bytes
        do { try AtomicFile.write(bytes, to: path) } catch { throw ModelStoreError.wrap(error, path: path) }
        return manifest
    }

    /// Verifies the archive at `path` and publishes it as the next version of its model name,
    /// moving `latest` if it is the newest, and setting `tags`. Returns the manifest imported or,
    /// when the store already holds a version with the same blob and details, that version.
    @discardableResult
    public func importArchive(from path: String, tags: [TagName] = []) throws -> ModelManifest {
        try importModel(from: path, tags: tags).manifest
    }

    /// What `importModel` did.
    public struct ImportResult: Sendable, Equatable {
        /// The version that now holds the archive's model.
        public var manifest: ModelManifest
        /// False when an existing version already had the same blob and details (nothing added).
        public var isNewVersion: Bool
        /// True when the store's copy of the blob failed its digest and was replaced from the archive.
        public var repairedBlob: Bool
    }

    /// `importArchive`, saying whether a version was added and whether a damaged blob was repaired.
    /// Re-importing an archive the store already holds adds no version: it moves `tags` to the
    /// existing one and replaces its blob if that blob no longer matches its digest.
    public func importModel(from path: String, tags: [TagName] = []) throws -> ImportResult {
        let limit = configuration.maximumCheckpointBytes + configuration.maximumCheckpointBytes / 64 + (8 << 20)
        guard let bytes = try StoreJSON.read(path, limit: limit) else {
            throw ModelStoreError.fileNotFound(path: path, what: "archive")
        }
        func fail(_ reason: String) -> ModelStoreError { .invalidArchive(path: path, reason: reason) }
        guard bytes.count >= 16 + 8 + 8 + 32, Array(bytes[0..<8]) == Self.archiveMagic else {
            throw fail("it does not start with the KACMODEL magic")
        }
        let schema = Self.integer(bytes, at: 8, bytes: 4)
        guard schema == UInt64(Self.archiveSchema) else {
            throw ModelStoreError.unsupportedSchema(path: path, found: Int(clamping: schema), supported: Int(Self.archiveSchema))
        }
        let body = bytes.count - 32
        guard Digest.sha256(of: bytes[0..<body]).bytes == Array(bytes[body...]) else {
            throw fail("its trailing sha256 does not match (truncated or damaged in transit)")
        }
        let manifestLength = Self.integer(bytes, at: 16, bytes: 8)
        guard manifestLength <= UInt64(StoreJSON.maximumFileBytes), 24 + Int(manifestLength) + 8 <= body else {
            throw fail("manifest length \(manifestLength) runs past the end of the archive")
        }
        let manifestEnd = 24 + Int(manifestLength)
        let blobLength = Self.integer(bytes, at: manifestEnd, bytes: 8)
        guard blobLength == UInt64(body - manifestEnd - 8) else {
            throw fail("blob length \(blobLength) does not match the \(body - manifestEnd - 8) bytes present")
        }
        let source = try ModelManifest(
            from: try StoreJSON.decode(
                ModelManifest.self, from: Array(bytes[24..<manifestEnd]),
                path: path + " (manifest)", supported: ModelManifest.currentSchema))
        let blob = bytes[(manifestEnd + 8)..<body]
        guard blob.count == source.compressedSize, Digest.sha256(of: blob) == source.blob else {
            throw fail("the blob does not match the digest and size in its manifest")
        }
        guard source.uncompressedSize <= configuration.maximumCheckpointBytes else {
            throw ModelStoreError.sizeLimitExceeded(
                path: path, declared: source.uncompressedSize,
                limit: configuration.maximumCheckpointBytes)
        }
        // What the model declares is checked before a byte is decompressed: the declared size may
        // not exceed what its architecture holds, so a small archive cannot make import allocate more.
        try checkDetails(source.details, dtype: source.dtype, uncompressedSize: source.uncompressedSize, model: path)
        // Check the weights as a load would before anything is written to the store.
        let weights = try Zstd.decompress(Array(blob), limit: source.uncompressedSize, source: path)
        guard weights.count == source.uncompressedSize else {
            throw fail("the blob decompresses to \(weights.count) bytes, the manifest declares \(source.uncompressedSize)")
        }
        try checkWeights(try Safetensors.decode(weights, source: path), details: source.details, model: path)
        return try lock(storeLockPath, .shared) {
            let (_, _, repaired) = try storeBlob { sink in try blob.withUnsafeBytes { try sink($0) } }
            try makeDirectory(modelDirectory(source.name))
            // One import of a name at a time: two imports of one archive at the same moment must not
            // both find no existing version and both add one.
            return try lock(modelDirectory(source.name) + "/.import.lock", .exclusive) {
                let existing = versions(of: source.name).reversed().lazy
                    .compactMap { try? self.manifest(source.name, version: $0) }
                    .first { $0.blob == source.blob && $0.details == source.details && $0.dtype == source.dtype }
                if let existing {
                    for tag in tags { _ = try self.tag(.version(source.name, existing.version), as: tag) }
                    return ImportResult(manifest: existing, isNewVersion: false, repairedBlob: repaired)
                }
                let manifest = try commitVersion(name: source.name, tags: tags) { version in
                    var manifest = source
                    manifest.version = version
                    return manifest
                }
                return ImportResult(manifest: manifest, isNewVersion: true, repairedBlob: repaired)
            }
        }
    }

    private static func append(_ value: UInt64, bytes count: Int, to bytes: inout [UInt8]) {
        for i in 0..<count { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(i)))) }
    }

    private static func integer(_ bytes: [UInt8], at offset: Int, bytes count: Int) -> UInt64 {
        (0..<count).reduce(UInt64(0)) { $0 | UInt64(bytes[offset + $1]) << (8 * UInt64($1)) }
    }
}

extension ModelManifest {
    /// A copy with sizes checked; archives come from outside the store, so nothing is assumed.
    init(from decoded: ModelManifest) throws {
        guard decoded.compressedSize >= 0, decoded.uncompressedSize >= 0, decoded.version >= 1 else {
            throw ModelStoreError.corruptManifest(path: "archive manifest", reason: "negative size or version")
        }
        self = decoded
    }
}
