// The small JSON files of the store (manifests, tags, tag history, tombstones, the store marker):
// each starts with a `schema` field that is checked before anything else is decoded, and each is
// read with a size cap, so a hostile or newer file is refused with a message instead of misread.
import DiskIO
import Foundation
import Vocabulary

#if canImport(Glibc)
import Glibc
#endif

/// Throws `notAFile` unless `status` (of `path`) describes a regular file.
func requireRegularFile(_ status: stat, path: String) throws {
    let type = status.st_mode & S_IFMT
    guard type != S_IFREG else { return }
    let kind =
        switch type {
        case S_IFDIR: "directory"
        case S_IFIFO: "FIFO"
        case S_IFSOCK: "socket"
        case S_IFCHR, S_IFBLK: "device"
        default: "special file"
        }
    throw ModelStoreError.notAFile(path: path, kind: kind)
}

enum StoreJSON {
    /// Largest manifest, tag or history file read; real ones are a few kilobytes.
    static let maximumFileBytes = 4 << 20

    static func encode(_ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return Array(try encoder.encode(value)) + [0x0A]
    }

    /// Decodes `bytes` read from `path` after checking its schema version against `supported`.
    static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8], path: String, supported: Int) throws -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let probe: SchemaProbe
        do {
            probe = try decoder.decode(SchemaProbe.self, from: Data(bytes))
        } catch {
            throw ModelStoreError.corruptManifest(path: path, reason: "not a JSON object (\(bytes.count) bytes)")
        }
        guard let schema = probe.schema else {
            throw ModelStoreError.corruptManifest(path: path, reason: "it has no \"schema\" version field")
        }
        guard schema == supported else {
            throw ModelStoreError.unsupportedSchema(path: path, found: schema, supported: supported)
        }
        do {
            return try decoder.decode(T.self, from: Data(bytes))
        } catch let error as ModelStoreError {
            throw ModelStoreError.corruptManifest(path: path, reason: Reason("a field is invalid", cause: error))
        } catch let DecodingError.keyNotFound(key, _) {
            throw ModelStoreError.corruptManifest(path: path, reason: "field \"\(key.stringValue)\" is missing")
        } catch let DecodingError.dataCorrupted(context) {
            throw ModelStoreError.corruptManifest(path: path, reason: "\(Self.fieldPath(context)): \(context.debugDescription)")
        } catch let DecodingError.typeMismatch(_, context) {
            throw ModelStoreError.corruptManifest(path: path, reason: "field \(Self.fieldPath(context)) has the wrong type")
        } catch {
            throw ModelStoreError.corruptManifest(path: path, reason: Reason(cause: error))
        }
    }

    /// Reads a small file; nil when it does not exist.
    /// Only a regular file is read: O_NONBLOCK keeps a FIFO from blocking the open, and fstat then
    /// refuses it, a directory or a device before a byte is read.
    static func read(_ path: String, limit: Int = maximumFileBytes) throws -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw ModelStoreError.io(path: path, cause: Reason(errno: errno))
        }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw ModelStoreError.io(path: path, cause: Reason(errno: errno)) }
        try requireRegularFile(status, path: path)
        guard Int(status.st_size) <= limit else {
            throw ModelStoreError.sizeLimitExceeded(path: path, declared: Int(status.st_size), limit: limit)
        }
        var bytes = [UInt8](repeating: 0, count: Int(status.st_size))
        var filled = 0
        while filled < bytes.count {
            let got = bytes.withUnsafeMutableBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return Glibc.read(fd, base + filled, buffer.count - filled)
            }
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else { throw ModelStoreError.io(path: path, cause: "short read (file changed while reading?)") }
            filled += got
        }
        return bytes
    }

    static func write(
        _ value: some Encodable, to path: String, exclusive: Bool = false,
        faults: FaultInjector = .none
    ) throws -> Bool {
        do {
            return try AtomicFile.write(try encode(value), to: path, exclusive: exclusive, faults: faults)
        } catch {
            throw ModelStoreError.wrap(error, path: path)
        }
    }

    private static func fieldPath(_ context: DecodingError.Context) -> String {
        let path = context.codingPath.map(\.stringValue).joined(separator: ".")
        return path.isEmpty ? "the document" : "\"\(path)\""
    }
}

/// Just the schema version, decoded before anything else.
struct SchemaProbe: Decodable { let schema: Int? }

/// `zoo.json`: marks a directory as a store and records its layout version, plus store-wide
/// settings: `defaultDataset`, the data set quality presets choose among when a job names none
/// (absent: see `ModelStore.defaultDataset`). Readers ignore keys they do not know.
struct StoreMarker: Codable {
    var schema = 1
    var layout = "blobs/sha256-<hex> + models/<name>/<version>.json"
    var defaultDataset: String?
}

/// `models/<name>/tags.json`: tag → version.
struct TagsFile: Codable {
    static let schemaVersion = 1
    var schema = schemaVersion
    var tags: [String: Int] = [:]
}

/// `models/<name>/tag-history.json`: every tag move, oldest first, rewritten atomically.
struct TagHistory: Codable {
    static let schemaVersion = 1
    var schema = schemaVersion
    var events: [TagEvent] = []
}

public struct TagEvent: Codable, Sendable, Equatable {
    public enum Reason: String, Codable, Sendable { case publish, tag, rollback, remove }
    public var tag: String
    public var from: Int?
    public var to: Int?
    public var reason: Reason
    public var time: Date
}

/// `models/<name>/<version>.removed`: keeps a removed version's number from being reused.
struct Tombstone: Codable {
    static let schemaVersion = 1
    var schema = schemaVersion
    var version: Int
    var blob: Digest
    var removed: Date
}
