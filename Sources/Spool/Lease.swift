// The records a running job leaves in `work/`: the lease (who holds the job, refreshed by
// heartbeats) and the progress file (images done, ETA). Both are small JSON files replaced
// atomically, so readers on any host see a whole old or whole new record.
import Foundation
import Vocabulary

/// Who is working: an id for logs, plus host and pid so a dead worker on this host is noticed
/// without waiting for its lease to expire.
public struct WorkerIdentity: Sendable, Equatable, Codable {
    public var id: String
    public var host: String
    public var pid: Int32

    public init(id: String, host: String, pid: Int32) {
        self.id = id
        self.host = host
        self.pid = pid
    }

    /// This process, named `id` or `<host>-<pid>`.
    public static func current(id: String? = nil) -> WorkerIdentity {
        let host = SpoolFiles.hostName
        let pid = getpid()
        return WorkerIdentity(id: id ?? "\(host)-\(pid)", host: host, pid: pid)
    }
}

/// `work/<id>.lease.json`.
public struct Lease: Sendable, Equatable, Codable {
    public var schema = 1
    public var jobID: String
    public var worker: WorkerIdentity
    /// Random per claim: a heartbeat only refreshes a lease carrying its own token.
    public var token: String
    /// 1 for the first claim, counting claims whose worker died.
    public var attempt: Int
    public var claimedAt: Date
    public var heartbeatAt: Date
    /// The claimer's lease timeout in seconds: the lease is expired once `heartbeatAt` is older.
    /// Recorded so that `kac status` judges expiry by the worker's `--lease-timeout`, not its own
    /// default; nil in leases written before the field existed.
    public var timeout: Double? = nil

    /// When the lease expires unless refreshed (`heartbeatAt + timeout`, or `fallback` without a timeout).
    public func expiresAt(fallback: TimeInterval) -> Date { heartbeatAt + (timeout ?? fallback) }
}

/// A job this worker holds. Pass it back to `heartbeat`, `reportProgress` and `finish`.
public struct ClaimedJob: Sendable, Equatable {
    public let id: String
    public let job: RenderJob
    public internal(set) var lease: Lease
    /// `out/<id>/` as a path, for messages; files are written through `output`.
    public let outputDirectory: String
    /// `out/<id>/`, opened once at the claim: every output of this job is written relative to it.
    /// Nil only while a job is failed during its claim, before the directory was made.
    public let output: JobOutputDirectory?
    /// Outputs already present when claimed (a resumed job); the renderer skips them.
    public let completedAtClaim: [String]
    public var attempt: Int { lease.attempt }
}

/// `work/<id>.progress.json`.
public struct JobProgress: Sendable, Equatable, Codable {
    public var schema = 1
    public var jobID: String
    public var completed: Int
    public var total: Int
    public var startedAt: Date
    public var updatedAt: Date
    /// Seconds until done at this run's rate; nil before the first image of this run.
    public var etaSeconds: Double?
    /// The batch in flight: how many images, and the sampler step it has reached (of `batchSteps`).
    /// Written between images too, so a slow teacher job shows movement within a batch.
    public var batchImages: Int? = nil
    public var batchStep: Int? = nil
    public var batchSteps: Int? = nil
}

/// `failed/<id>.error.json`: why a job failed, for machines (`code`) and people (`reason`).
public struct JobFailure: Sendable, Equatable, Codable {
    public enum Code: String, Sendable, Codable {
        case invalidJob = "invalid-job"
        case cancelled
        case renderError = "render-error"
        case tooManyAttempts = "too-many-attempts"
        case notARegularFile = "not-a-regular-file"
        case badFileName = "bad-file-name"
        case duplicateID = "duplicate-id"
        case outputUnavailable = "output-unavailable"
        case limitExceeded = "limit-exceeded"
    }

    public var schema = 1
    public var jobID: String
    public var code: Code
    public var reason: String
    /// For `invalid-job`: the offending field and the validator's code.
    public var field: String?
    public var validationCode: JobValidationError.Code?
    public var attempts: Int?
    public var worker: String?
    /// For rejected entries: the name the file had in `new/`.
    public var originalName: String?
    public var failedAt: Date

    public init(
        jobID: String, code: Code, reason: String, field: String? = nil,
        validationCode: JobValidationError.Code? = nil, attempts: Int? = nil, worker: String? = nil,
        originalName: String? = nil, failedAt: Date
    ) {
        self.jobID = jobID
        self.code = code
        self.reason = reason
        self.field = field
        self.validationCode = validationCode
        self.attempts = attempts
        self.worker = worker
        self.originalName = originalName
        self.failedAt = failedAt
    }

    /// A record whose reason is `reason` in words, made safe for a terminal and cut as every
    /// record's reason is (`Escaped`, 2,000 characters): the one place a cause becomes record text.
    public init(
        jobID: String, code: Code, reason: Reason, field: String? = nil,
        validationCode: JobValidationError.Code? = nil, attempts: Int? = nil, worker: String? = nil,
        originalName: String? = nil, failedAt: Date
    ) {
        self.init(
            jobID: jobID, code: code, reason: Escaped.text(reason.description, limit: Self.reasonLimit), field: field,
            validationCode: validationCode, attempts: attempts, worker: worker, originalName: originalName, failedAt: failedAt)
    }

    /// The longest reason a record keeps, in characters.
    public static let reasonLimit = 2000
}

/// Remembers what a file in `new/` parsed to, so a large queue is not re-read on every scan.
final class ScanCache: @unchecked Sendable {
    struct Entry { let info: EntryInfo; let verdict: Result<RenderJob, JobValidationError> }
    private var entries: [String: Entry] = [:]
    private let lock = NSLock()

    func lookup(_ name: String, info: EntryInfo) -> Result<RenderJob, JobValidationError>? {
        lock.withLock { entries[name].flatMap { $0.info == info ? $0.verdict : nil } }
    }

    func store(_ name: String, info: EntryInfo, verdict: Result<RenderJob, JobValidationError>) {
        lock.withLock { entries[name] = Entry(info: info, verdict: verdict) }
    }

    func retain(only names: Set<String>) {
        lock.withLock { entries = entries.filter { names.contains($0.key) } }
    }
}
