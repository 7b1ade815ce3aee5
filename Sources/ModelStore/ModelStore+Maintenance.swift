import DiskIO
import Foundation
// Maintenance: removing a version (tombstone first, so its number is never reused), verifying
// the whole store, and garbage collection. gc holds the store lock exclusively, so no publisher
// is between writing a blob and writing the manifest that references it while blobs are swept.
import Vocabulary

#if canImport(Glibc)
import Glibc
#endif

/// What `verify` found. `problems` are damage; orphan blobs and stray temporaries are litter gc removes.
public struct VerifyReport: Sendable, Codable {
    /// Each a sentence, with the error that found it kept as its cause.
    public var problems: [Reason] = []
    public var orphanBlobs: [Digest] = []
    public var strayTemporaryFiles: [String] = []
    public var blobsChecked = 0
    public var manifestsChecked = 0
    public var isClean: Bool { problems.isEmpty }
}

public struct GarbageReport: Sendable, Codable {
    public var removedBlobs: [Digest] = []
    public var removedTemporaryFiles: [String] = []
    public var bytesFreed = 0
    public var dryRun = false
}

extension ModelStore {
    /// Removes `name@version`. Refuses when a tag points at it unless `force`, which drops those tags.
    public func remove(_ name: ModelName, version: Int, force: Bool = false) throws {
        let manifest = try self.manifest(name, version: version)
        try updateTags(of: name) { current in
            let pointing = current.filter { $0.value == version }.keys.sorted()
            if !pointing.isEmpty && !force {
                throw ModelStoreError.refused(
                    "\(name)@\(version) is tagged \(pointing.joined(separator: ", ")); "
                        + "move the tag(s) with `kac zoo tag` or `kac zoo rollback` first, or pass --force to drop them")
            }
            // The tags go (with history) in this same locked update, before the manifest does.
            return try pointing.map { (try TagName($0), nil, .remove) }
        }
        let tombstone = Tombstone(version: version, blob: manifest.blob, removed: configuration.clock())
        _ = try StoreJSON.write(tombstone, to: tombstonePath(name, version: version), exclusive: true)
        let path = manifestPath(name, version: version)
        guard unlink(path) == 0 else { throw ModelStoreError.io(path: path, cause: Reason(errno: errno)) }
        do { try AtomicFile.syncDirectory(modelDirectory(name)) } catch { throw ModelStoreError.wrap(error, path: path) }
    }

    /// Re-hashes every blob, decodes every manifest and its weights, and checks every tag target.
    public func verify() -> VerifyReport {
        var report = VerifyReport()
        var referenced = Set<Digest>()
        for name in models() {
            let tags: [String: Int]
            do { tags = try readTags(name).tags } catch { report.problems.append(Reason(cause: error)); tags = [:] }
            do { report.problems += tagHistoryMismatches(name, tags: tags, history: try tagHistory(of: name)).map { Reason($0) } } catch {
                report.problems.append(Reason(cause: error))
            }
            let live = Set(versions(of: name))
            for (tag, version) in tags.sorted(by: { $0.key < $1.key }) where !live.contains(version) {
                report.problems.append(
                    Reason(
                        "\(tagsPath(name)): tag \(tag) points at \(name)@\(version), which does not exist. "
                            + "Fix it with `kac zoo tag \(name)@VERSION \(tag)` or `kac zoo rollback \(name) --tag \(tag)`."))
            }
            for version in live.sorted() {
                report.manifestsChecked += 1
                do {
                    let manifest = try self.manifest(name, version: version)
                    referenced.insert(manifest.blob)
                    let checkpoint = try Safetensors.decode(try readBlob(manifest), source: blobPath(manifest.blob))
                    try checkWeights(checkpoint, details: manifest.details, model: "\(manifest.name)@\(manifest.version)")
                } catch {
                    report.problems.append(Reason(cause: error))
                }
            }
            report.strayTemporaryFiles += entries(of: modelDirectory(name)).filter { $0.hasPrefix(".tmp-") }
                .map { modelDirectory(name) + "/" + $0 }
        }
        for entry in entries(of: blobsDirectory) {
            let path = blobsDirectory + "/" + entry
            guard let digest = try? Digest(parsing: entry) else {
                report.problems.append("\(path) is not named sha256-<hex>; move it out of blobs/.")
                continue
            }
            report.blobsChecked += 1
            if referenced.contains(digest) { continue }
            do {
                try scanBlob(path, expected: digest, expectedSize: nil)
                report.orphanBlobs.append(digest)
            } catch {
                report.problems.append(Reason(cause: error))
            }
        }
        report.strayTemporaryFiles += entries(of: temporaryDirectory).map { temporaryDirectory + "/" + $0 }
        return report
    }

    /// Deletes blobs no manifest references and temporary files older than `grace` seconds.
    /// Refuses to sweep while any manifest is unreadable (its blob might be swept by mistake).
    public func collectGarbage(dryRun: Bool = false, grace: TimeInterval = 3600) throws -> GarbageReport {
        try lock(storeLockPath, .exclusive) {
            var referenced = Set<Digest>()
            var unreadable: [String] = []
            for name in models() {
                for version in versions(of: name) {
                    do { referenced.insert(try manifest(name, version: version).blob) } catch {
                        unreadable.append(manifestPath(name, version: version))
                    }
                }
            }
            guard unreadable.isEmpty else {
                throw ModelStoreError.refused(
                    "gc refuses to sweep while manifests are unreadable: "
                        + unreadable.joined(separator: ", ") + ". Run `kac zoo verify`, repair or `kac zoo rm --force` them, then retry.")
            }
            var report = GarbageReport(dryRun: dryRun)
            for entry in entries(of: blobsDirectory) {
                guard let digest = try? Digest(parsing: entry), !referenced.contains(digest) else { continue }
                let path = blobsDirectory + "/" + entry
                report.bytesFreed += fileSize(path)
                report.removedBlobs.append(digest)
                if !dryRun { unlink(path) }
            }
            let cutoff = configuration.clock().timeIntervalSince1970 - grace
            var temporaries = entries(of: temporaryDirectory).map { temporaryDirectory + "/" + $0 }
            for name in models() {
                temporaries += entries(of: modelDirectory(name)).filter { $0.hasPrefix(".tmp-") }.map { modelDirectory(name) + "/" + $0 }
            }
            for path in temporaries where modificationTime(path) < cutoff {
                report.bytesFreed += fileSize(path)
                report.removedTemporaryFiles.append(path)
                if !dryRun { unlink(path) }
            }
            if !dryRun && !(report.removedBlobs.isEmpty && report.removedTemporaryFiles.isEmpty) {
                try? AtomicFile.syncDirectory(blobsDirectory)
                try? AtomicFile.syncDirectory(temporaryDirectory)
            }
            return report
        }
    }

    private func fileSize(_ path: String) -> Int {
        var status = stat()
        return stat(path, &status) == 0 ? Int(status.st_size) : 0
    }

    private func modificationTime(_ path: String) -> TimeInterval {
        var status = stat()
        guard stat(path, &status) == 0 else { return .infinity }
        return TimeInterval(status.st_mtim.tv_sec)
    }
}
