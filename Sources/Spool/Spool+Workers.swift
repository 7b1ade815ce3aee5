// The worker registry: every running kacd rewrites `workers/<worker>.json` at least every
// `heartbeatInterval` seconds (idle or busy) and removes it when it exits cleanly. `kac status`
// reads the records to show which workers are alive and how old their last heartbeat is even
// when the queue is empty, and `kac submit` checks jobs against the limits the workers announce.
import Foundation

/// `workers/<worker>.json`: one running worker as it announces itself.
public struct WorkerRecord: Sendable, Equatable, Codable {
    public var schema = 1
    public var worker: WorkerIdentity
    public var startedAt: Date
    public var heartbeatAt: Date
    /// The worker rewrites the record at least this often (seconds).
    public var heartbeatInterval: Double
    /// The job it is rendering, nil when idle.
    public var job: String?
    /// The limits its validator applies (`--max-count`, `--max-scale`, …).
    public var limits: SpoolLimits
    /// Software that wrote the record (for mixed-version fleets).
    public var software: String?

    public init(
        worker: WorkerIdentity, startedAt: Date, heartbeatAt: Date, heartbeatInterval: Double, job: String? = nil,
        limits: SpoolLimits, software: String? = nil
    ) {
        self.worker = worker
        self.startedAt = startedAt
        self.heartbeatAt = heartbeatAt
        self.heartbeatInterval = heartbeatInterval
        self.job = job
        self.limits = limits
        self.software = software
    }
}

/// A worker record as `kac status` judges it at one moment.
public struct WorkerStatus: Sendable, Equatable, Codable {
    public enum Health: String, Sendable, Codable {
        /// Heartbeat within three promised intervals.
        case alive
        /// Silent for more than three intervals: hung, stopped (SIGSTOP) or on an unreachable host.
        case stale
        /// On this host, and its pid no longer runs: killed without removing its record.
        case dead
    }

    public var record: WorkerRecord
    /// Seconds since its last heartbeat.
    public var heartbeatAge: Double
    public var health: Health
}

extension Spool {
    /// A worker is stale after this many missed heartbeats.
    static let missedHeartbeatsBeforeStale = 3.0

    /// The file name of `worker`'s record: its id when that is a valid file name, else a sanitised copy.
    static func workerFileName(_ worker: WorkerIdentity) -> String {
        let id = JobID.isValid(worker.id) ? worker.id : String(worker.id.prefix(48).map { $0.isLetter || $0.isNumber ? $0 : "_" })
        return (id.isEmpty ? "worker-\(worker.pid)" : id) + ".json"
    }

    /// Writes (or refreshes) `workers/<worker>.json` atomically, creating `workers/` when missing
    /// (mkdirat, then opened without following a link, like every spool subdirectory).
    public func announce(_ record: WorkerRecord) throws {
        _ = try workersDirectory(create: true)
        try writeJSON(record, .workers, Self.workerFileName(record.worker))
    }

    /// Removes this worker's record (clean shutdown).
    public func withdraw(_ worker: WorkerIdentity) {
        guard workersDirectoryIfPresent() != nil else { return }
        remove(.workers, Self.workerFileName(worker))
    }

    /// Every readable worker record with its heartbeat age and health, alive ones first, then by id.
    public func workers(host: String? = nil) -> [WorkerStatus] {
        let now = clock.now()
        let host = host ?? SpoolFiles.hostName
        let names = workersDirectoryIfPresent().flatMap { try? SpoolFiles.names(in: $0) } ?? []
        let order: [WorkerStatus.Health: Int] = [.alive: 0, .stale: 1, .dead: 2]
        return names.filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }
            .compactMap { readJSON(WorkerRecord.self, .workers, $0) }
            .map { record in
                let age = now.timeIntervalSince(record.heartbeatAt)
                let health: WorkerStatus.Health
                if record.worker.host == host, !SpoolFiles.processIsAlive(record.worker.pid) {
                    health = .dead
                } else if age > Self.missedHeartbeatsBeforeStale * max(record.heartbeatInterval, 1) {
                    health = .stale
                } else {
                    health = .alive
                }
                return WorkerStatus(record: record, heartbeatAge: max(age, 0), health: health)
            }
            .sorted { (order[$0.health] ?? 3, $0.record.worker.id) < (order[$1.health] ?? 3, $1.record.worker.id) }
    }

    /// Removes the records of workers whose process is gone on this host, or whose last heartbeat
    /// is older than `workerRecordLifetime` (kacd does this at start-up and at every sweep, so
    /// `workers/` does not fill with the records of killed workers); returns the worker ids removed.
    @discardableResult
    public func removeDeadWorkerRecords(host: String? = nil) -> [String] {
        let gone = workers(host: host).filter { $0.health == .dead || $0.heartbeatAge > Self.workerRecordLifetime }
        for status in gone { withdraw(status.record.worker) }
        return gone.map(\.record.worker.id)
    }

    /// The limits a job must meet so that every live worker can run it: the smallest of each limit
    /// the live workers announce, or this spool's own limits when no worker is alive.
    public func advertisedLimits() -> SpoolLimits {
        let live = workers().filter { $0.health == .alive }.map(\.record.limits)
        guard let first = live.first else { return configuration.limits }
        return live.dropFirst().reduce(first) { lowest, limits in
            SpoolLimits(
                maximumCount: min(lowest.maximumCount, limits.maximumCount),
                maximumScale: min(lowest.maximumScale, limits.maximumScale),
                maximumFileSize: min(lowest.maximumFileSize, limits.maximumFileSize),
                maximumDepth: min(lowest.maximumDepth, limits.maximumDepth),
                maximumSteps: min(lowest.maximumSteps, limits.maximumSteps),
                maximumGuidance: min(lowest.maximumGuidance, limits.maximumGuidance),
                maximumPriority: min(lowest.maximumPriority, limits.maximumPriority),
                maximumWork: min(lowest.maximumWork, limits.maximumWork),
                timeLimit: min(lowest.timeLimit, limits.timeLimit))
        }
    }
}
