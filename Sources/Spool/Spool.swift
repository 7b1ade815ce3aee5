import DiskIO
import Foundation

// The spool: a maildir-like directory where job files move between state directories by atomic
// renames. A file is in exactly one state at a time; the move between states is the only
// synchronisation between workers, so any number of processes on any number of hosts (NFS) can
// share one spool. Nothing is written outside the spool root: every call is relative to a
// directory descriptor opened once, never to a path that a symlink could redirect later.
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// A spool directory and the operations of one participant (producer, worker or operator).
///
/// Layout and state table (`<id>` matches `JobID.pattern`; `[…]` = may exist):
///
/// | state (`SpoolState`) | files                                                              | entered by                     | left by                                  |
/// |----------------------|--------------------------------------------------------------------|--------------------------------|------------------------------------------|
/// | writing (`.tmp`)     | `tmp/<id>.json`                                                    | producer writes (`submit`)     | rename into `new/`; swept after 36 h     |
/// | queued (`.new`)      | `new/<id>.json` [`attempts/<id>`]                                  | producer rename; `requeue`     | `claim` (→ work), `cancel` (→ failed), repeated id (→ `failed/<id>.dup-<hex>.json`) |
/// | running (`.work`)    | `work/<id>.json`, `work/<id>.lease.json`, `attempts/<id>`, `out/<id>/`, [`work/<id>.progress.json`], [`cancel/<id>`] | `claim`: no-replace rename new→work | `finish`, lease-expiry recovery |
/// | done (`.done`)       | `done/<id>.json`, `out/<id>/` (exactly the plan's files, `result.json`) | `finish(.completed)`      | `prune` (retention)                       |
/// | failed (`.failed`)   | `failed/<id>.json`, `failed/<id>.error.json`, [`out/<id>/` partial, never empty] | `finish(.failed/.cancelled)`, recovery gives up, rejects, repeated ids | operator (`mv` back to `new/` to retry); `prune` |
///
/// No step replaces a record: a job file repeating the id of a `done/` or `failed/` record is
/// set aside as `failed/<id>.dup-<hex>.json` (`duplicate-id`), and a requeue that meets a newer
/// `new/<id>.json` sets that file aside instead. Every operation is relative to the directory
/// descriptors opened in `init` (subdirectories with O_NOFOLLOW) and, for a job's outputs, the
/// `out/<id>/` descriptor opened at its claim, so a symlink swapped in later is never followed.
/// `sweep()` removes leftovers of killed processes after the grace periods of `SweepPolicy`.
///
/// Beside the states, `workers/<worker>.json` (made on first `announce`, then opened like the
/// others: O_NOFOLLOW, checked by `checkDirectories`, swept of `.tmp-*`) is each running worker's
/// heartbeat record; see `Spool+Workers.swift`.
///
/// Rules: entries in `new/` whose name starts with `.` or does not end in `.json` are ignored
/// (producers may write `new/.x.json` or `x.json.part` and rename). Symlinks, FIFOs, sockets and
/// devices in `new/` are moved (never opened) to `failed/`; directories are ignored. A file whose
/// name is not `<valid id>.json` goes to `failed/rejected-<random>.json`. A valid job is claimable
/// at once (a complete JSON object cannot be a prefix of a longer valid file); anything else is
/// only judged once its mtime is `settlePeriod` old, so a half-done `cp` is never rejected early.
/// The claim is `renameat2(new/<id>.json, work/<id>.json, RENAME_NOREPLACE)` (link + checked
/// unlink where the file system lacks it): it never replaces, so exactly one worker wins and a
/// same-named newer file cannot overwrite a running job.
public final class Spool: @unchecked Sendable {
    public let root: String
    public let configuration: SpoolConfiguration
    public let clock: SpoolClock
    public let validator: JobValidator
    /// Called for each transition this participant makes (for the daemon's log; every event names its job).
    public let events: @Sendable (SpoolEvent) -> Void
    /// Per-file parse results, keyed by name and invalidated by inode/size/mtime/ctime changes.
    let scanCache = ScanCache()
    /// How long each running job's lease has looked the same to this participant (recovery's clock
    /// for leases of other hosts).
    let leaseWatch = LeaseWatch()
    /// The root and every subdirectory, opened once (subdirectories with O_NOFOLLOW): every file
    /// operation is relative to one of these, so a symlink swapped in later is never followed.
    let rootDirectory: DirectoryHandle
    private let handles: [SpoolDirectory: DirectoryHandle]
    /// `workers/`, once opened (see `workersDirectory(create:)`); guarded by `workersLock`.
    private var workersHandle: DirectoryHandle?
    private let workersLock = NSLock()

    /// The subdirectories; `init(create: true)` makes the missing ones.
    public static let directories = SpoolDirectory.all

    /// Opens the spool at `root`, creating it and its subdirectories when `create` is true. The
    /// root path may go through symlinks (it is the operator's setting); its subdirectories may not.
    public init(
        root: String, configuration: SpoolConfiguration = SpoolConfiguration(),
        clock: SpoolClock = .system, create: Bool = true,
        events: @escaping @Sendable (SpoolEvent) -> Void = { _ in }
    ) throws {
        self.events = events
        self.root = root.hasSuffix("/") && root.count > 1 ? String(root.dropLast()) : root
        self.configuration = configuration
        self.clock = clock
        self.validator = JobValidator(limits: configuration.limits)
        if create { try SpoolFiles.makeDirectory(self.root) }
        do { rootDirectory = try DirectoryHandle(opening: self.root) } catch let error as DiskIOError {
            if error.code == .notFound || error.code == .notDirectory {
                throw SpoolError.notASpool(path: self.root, detail: "it is missing or not a directory")
            }
            throw SpoolError.io(error)
        }
        var handles: [SpoolDirectory: DirectoryHandle] = [:]
        for directory in Self.directories {
            handles[directory] = try Self.openSubdirectory(directory, in: rootDirectory, root: self.root, create: create)
        }
        self.handles = handles
        // workers/ is optional (older spools lack it): opened here when present, else on first use.
        if SpoolFiles.info(rootDirectory, SpoolDirectory.workers.name) != nil {
            workersHandle = try Self.openSubdirectory(.workers, in: rootDirectory, root: self.root, create: false)
        }
    }

    /// Opens (with `create`, first makes) a subdirectory without following a symlink; a missing
    /// directory or one that is not a directory is `notASpool`.
    private static func openSubdirectory(
        _ directory: SpoolDirectory, in rootDirectory: DirectoryHandle, root: String, create: Bool
    ) throws -> DirectoryHandle {
        do {
            return create
                ? try rootDirectory.makeDirectory(directory.name).handle : try rootDirectory.openDirectory(directory.name)
        } catch let error as DiskIOError {
            let kind = SpoolFiles.info(rootDirectory, directory.name)?.kind
            let detail =
                kind == nil
                ? "\(directory.name)/ is missing"
                : "\(directory.name)/ is a \(kind?.rawValue ?? "file"), not a directory (symlinks are not followed)"
            if error.code == .notFound || error.code == .notDirectory || error.code == .invalidArgument {
                throw SpoolError.notASpool(path: root, detail: detail, inTheWay: kind == nil ? nil : directory.name)
            }
            throw SpoolError.io(error)
        }
    }

    /// `workers/`, opened once like the other subdirectories but only when first needed: with
    /// `create` (a worker announcing itself) it is made when missing; without, nil while absent.
    func workersDirectory(create: Bool) throws -> DirectoryHandle? {
        try workersLock.withLock {
            if let workersHandle { return workersHandle }
            guard create || SpoolFiles.info(rootDirectory, SpoolDirectory.workers.name) != nil else { return nil }
            let handle = try Self.openSubdirectory(.workers, in: rootDirectory, root: root, create: create)
            workersHandle = handle
            return handle
        }
    }

    /// `workers/` if it is open (or present now), for readers.
    func workersDirectoryIfPresent() -> DirectoryHandle? { (try? workersDirectory(create: false)) ?? nil }

    /// `<root>/<directory>`: the one function that turns a state or directory into a path.
    public func directoryPath(_ directory: SpoolDirectory) -> String { "\(root)/\(directory.name)" }
    /// `<root>/<state>`, e.g. `directoryPath(.new)` for the queue.
    public func directoryPath(_ state: SpoolState) -> String { directoryPath(.state(state)) }

    /// The open handle of a subdirectory (`workers/` only after `workersDirectory(create:)` opened it).
    func directory(_ directory: SpoolDirectory) -> DirectoryHandle {
        if directory == .workers, let handle = workersLock.withLock({ workersHandle }) { return handle }
        guard let handle = handles[directory] else { preconditionFailure("spool directory \(directory.name) was not opened") }
        return handle
    }
    func directory(_ state: SpoolState) -> DirectoryHandle { directory(.state(state)) }

    /// Throws `directoryReplaced` when a subdirectory (`workers/` too, once opened) is no longer
    /// the one opened (renamed, replaced, or swapped for a symlink): this participant would
    /// otherwise keep writing into a directory the operator no longer sees. Checked before every claim.
    public func checkDirectories() throws {
        var opened = Self.directories.map { ($0, directory($0)) }
        if let workers = workersLock.withLock({ workersHandle }) { opened.append((.workers, workers)) }
        for (entry, handle) in opened where !rootDirectory.stillHolds(handle, as: entry.name) {
            let kind = SpoolFiles.info(rootDirectory, entry.name)?.kind
            throw SpoolError.directoryReplaced(
                path: directoryPath(entry) + "/", detail: kind.map { "it is now a \($0.rawValue)" } ?? "it is gone")
        }
    }

    func path(_ directory: SpoolDirectory, _ name: String) -> String { directoryPath(directory) + "/" + name }
    func path(_ state: SpoolState, _ name: String) -> String { path(.state(state), name) }
    func jobPath(_ state: SpoolState, _ id: String) -> String { path(state, id + ".json") }

    static func jobFile(_ id: String) -> String { id + ".json" }
    static func leaseFile(_ id: String) -> String { id + ".lease.json" }
    static func progressFile(_ id: String) -> String { id + ".progress.json" }
    static func errorFile(_ id: String) -> String { id + ".error.json" }

    /// lstat of `directory/name` (never follows a link); nil when absent.
    func info(_ directory: SpoolDirectory, _ name: String) -> EntryInfo? { SpoolFiles.info(self.directory(directory), name) }
    func info(_ state: SpoolState, _ name: String) -> EntryInfo? { info(.state(state), name) }
    func jobExists(_ state: SpoolState, _ id: String) -> Bool { info(state, Self.jobFile(id)) != nil }

    /// Removes `directory/name` if present; failures are ignored (the sweep retries).
    func remove(_ directory: SpoolDirectory, _ name: String) { _ = try? self.directory(directory).remove(name) }

    /// Moves `from/name` to `to/newName`. Exclusive moves never replace; both return false when
    /// the source is gone (another participant won) or, exclusive, the destination exists.
    func move(_ from: SpoolDirectory, _ name: String, to: SpoolDirectory, _ newName: String, exclusive: Bool) throws -> Bool {
        do {
            return exclusive
                ? try directory(from).moveExclusive(name, to: directory(to), as: newName)
                : try directory(from).move(name, to: directory(to), as: newName)
        } catch let error as DiskIOError { throw SpoolError.io(error) }
    }

    /// `out/<id>/`, where the renderer writes images and `result.json`.
    public func outputDirectory(jobID: String) throws -> String {
        guard JobID.isValid(jobID) else { throw SpoolError.invalidJobID(jobID) }
        return path(.out, jobID)
    }

    /// The state whose directory holds `<id>.json`, if any (probed in `SpoolState.allCases` order).
    public func state(ofJob id: String) -> SpoolState? {
        guard JobID.isValid(id) else { return nil }
        return SpoolState.allCases.first { jobExists($0, id) }
    }

    /// Writes `directory/name` atomically; a failed system call becomes `SpoolError.io` with its errno.
    func writeBytes(_ bytes: [UInt8], _ directory: SpoolDirectory, _ name: String) throws {
        do { try self.directory(directory).write(bytes, to: name) } catch let error as DiskIOError { throw SpoolError.io(error) }
    }

    func writeJSON(_ value: some Encodable, _ directory: SpoolDirectory, _ name: String) throws {
        let bytes: [UInt8]
        do { bytes = try SpoolJSON.encode(value) } catch { throw SpoolError.unencodable(path: path(directory, name), cause: error) }
        try writeBytes(bytes, directory, name)
    }

    func readJSON<Value: Decodable>(_ type: Value.Type, _ directory: SpoolDirectory, _ name: String) -> Value? {
        guard case .bytes(let bytes)? = try? SpoolFiles.read(self.directory(directory), name, limit: 1 << 20) else { return nil }
        return try? SpoolJSON.decoder().decode(type, from: Data(bytes))
    }
}

/// Timing and limits of one spool participant.
public struct SpoolConfiguration: Sendable {
    public var limits: SpoolLimits
    /// A running job whose lease heartbeat is older than this is requeued by any worker.
    public var leaseTimeout: TimeInterval
    /// A job file that does not validate is judged only when its mtime is this old.
    public var settlePeriod: TimeInterval
    /// A job whose worker died this many times goes to `failed/` instead of being requeued.
    public var maximumAttempts: Int
    /// Grace periods and interval of `sweep()`.
    public var sweep: SweepPolicy
    /// Test hooks at dangerous points (none in production).
    public var faults = SpoolFaults()

    public init(
        limits: SpoolLimits = .default, leaseTimeout: TimeInterval = 120, settlePeriod: TimeInterval = 5,
        maximumAttempts: Int = 3, sweep: SweepPolicy = SweepPolicy()
    ) {
        self.limits = limits
        self.leaseTimeout = leaseTimeout
        self.settlePeriod = settlePeriod
        self.maximumAttempts = maximumAttempts
        self.sweep = sweep
    }
}

/// The source of "now" for leases, settling and progress; tests inject a manual clock.
public struct SpoolClock: Sendable {
    public let now: @Sendable () -> Date
    public init(now: @escaping @Sendable () -> Date) { self.now = now }
    public static let system = SpoolClock { Date() }
}

/// JSON for the spool's own small files (lease, progress, error, result): sorted keys, ISO 8601.
enum SpoolJSON {
    static func encode(_ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
        }
        return Array(try encoder.encode(value)) + [0x0A]
    }

    static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
            return try Date(text, strategy: Date.ISO8601FormatStyle())
        }
        return decoder
    }
}
