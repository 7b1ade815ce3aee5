import DiskIO
import Foundation
// The model zoo: immutable content-addressed blobs plus small manifests, like git objects or
// Ollama blobs and manifests. Publishing is crash-safe (blob, then manifest, then tags, each
// durable before the next); readers verify digest and size of every blob they load.
import Vocabulary

/// A model store rooted at a directory. On-disk layout:
///
///     <root>/
///       zoo.json                       {"schema": 1, …} — marks the store, layout version, defaultDataset
///       .lock                          flock: shared while publishing, exclusive during gc
///       blobs/sha256-<hex>             zstd-compressed safetensors; <hex> = sha256 of the file
///       tmp/<prefix>-<pid>-<rand>.tmp  blobs being written; stray ones are removed by gc
///       models/<name>/                 <name> = `model` or `namespace/model`
///         <version>.json               manifest (schema 1), created once with link(2), never edited
///         <version>.removed            tombstone left by `remove`, so versions are never reused
///         tags.json                    {"schema": 1, "tags": {"latest": 3, "stable": 2}}
///         tag-history.json             {"schema": 1, "events": [{tag, from, to, reason, time}]}
///         .lock                        flock held while tags.json / tag-history.json change
///         .import.lock                 flock held while an import looks for an identical version and adds one
///         .tmp-*                       in-flight atomic writes; stray ones are removed by gc
///
/// Publishing order: blob (temp → fsync → link into blobs/ → fsync dir), manifest (next free
/// version, exclusive link, retried on collision), then tags. A crash leaves at worst an orphan
/// blob or an untagged version; every tag always names a complete model. All writes go through
/// `DiskIO.AtomicFile` / `DiskIO.StreamingFile`.
public struct ModelStore: Sendable {
    public struct Configuration: Sendable {
        /// Largest uncompressed checkpoint this store publishes or loads (hostile manifests and
        /// decompression bombs are refused above it).
        public var maximumCheckpointBytes: Int
        public var compressionLevel: Int32
        /// The time stamped on manifests and tag events; tests inject a fixed clock.
        public var clock: @Sendable () -> Date
        public var faults: PublishFaults
        /// Checks models at every door (publish, import, verify, load); nil checks only the
        /// container (digests, sizes, safetensors). `Generation.ZooModelValidator` is the real one.
        public var validator: (any ModelValidator)?

        public init(
            maximumCheckpointBytes: Int = 2 << 30, compressionLevel: Int32 = 3,
            clock: @escaping @Sendable () -> Date = { Date() }, faults: PublishFaults = .none,
            validator: (any ModelValidator)? = nil
        ) {
            self.maximumCheckpointBytes = maximumCheckpointBytes
            self.compressionLevel = compressionLevel
            self.clock = clock
            self.faults = faults
            self.validator = validator
        }
    }

    public static let schemaVersion = 1

    public let root: String
    public var configuration: Configuration

    /// Opens the store at `root`, creating its skeleton when `create` is true.
    public init(root: String, create: Bool = true, configuration: Configuration = Configuration()) throws {
        self.root = root.hasSuffix("/") && root.count > 1 ? String(root.dropLast()) : root
        self.configuration = configuration
        let markerPath = self.root + "/zoo.json"
        if let bytes = try StoreJSON.read(markerPath) {
            _ = try StoreJSON.decode(StoreMarker.self, from: bytes, path: markerPath, supported: Self.schemaVersion)
        } else {
            guard create else {
                throw ModelStoreError.noStore(path: self.root)
            }
            for directory in [self.root, blobsDirectory, modelsDirectory, temporaryDirectory] {
                try makeDirectory(directory)
            }
            _ = try StoreJSON.write(StoreMarker(), to: markerPath, exclusive: true)
        }
    }

    // MARK: Paths

    var blobsDirectory: String { root + "/blobs" }
    var modelsDirectory: String { root + "/models" }
    var temporaryDirectory: String { root + "/tmp" }
    var storeLockPath: String { root + "/.lock" }

    public func blobPath(_ digest: Digest) -> String { blobsDirectory + "/" + digest.description }
    func modelDirectory(_ name: ModelName) -> String { modelsDirectory + "/" + name.description }
    public func manifestPath(_ name: ModelName, version: Int) -> String { modelDirectory(name) + "/\(version).json" }
    func tombstonePath(_ name: ModelName, version: Int) -> String { modelDirectory(name) + "/\(version).removed" }
    func tagsPath(_ name: ModelName) -> String { modelDirectory(name) + "/tags.json" }
    func historyPath(_ name: ModelName) -> String { modelDirectory(name) + "/tag-history.json" }
    func modelLockPath(_ name: ModelName) -> String { modelDirectory(name) + "/.lock" }

    /// Creates `path` (and missing parents) and fsyncs the parent so the entry survives a crash.
    func makeDirectory(_ path: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue { return }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            let parent = (path as NSString).deletingLastPathComponent
            try AtomicFile.syncDirectory(parent.isEmpty ? "." : parent)
        } catch {
            throw ModelStoreError.wrap(error, path: path)
        }
    }

    /// Entries of a directory, empty when it does not exist.
    func entries(of directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
    }

    func lock<T>(_ path: String, _ mode: FileLock.Mode, _ body: () throws -> T) throws -> T {
        do {
            return try FileLock.withLock(path, mode, body)
        } catch let error as DiskIOError {
            throw ModelStoreError.wrap(error, path: path)
        }
    }
}

/// Steps of publishing where a test may inject a crash.
public enum PublishStep: String, Sendable, CaseIterable {
    case afterBlobWrite, afterBlobRename, afterManifestWrite, beforeTagMove
    /// Any tag move (publish, tag, rollback): `tags.json` written, `tag-history.json` not yet.
    case betweenTagFiles
}

/// A test hook that throws (or exits) at a publishing step. Production code passes `.none`.
public struct PublishFaults: Sendable {
    public let trigger: @Sendable (PublishStep) throws -> Void
    public init(_ trigger: @escaping @Sendable (PublishStep) throws -> Void) { self.trigger = trigger }
    public static let none = PublishFaults { _ in }
}
