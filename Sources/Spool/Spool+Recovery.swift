// Crash recovery: any worker may requeue a job whose holder stopped heartbeating (a lease of this
// host older than `leaseTimeout`; another host's lease seen unchanged for `leaseTimeout` by this
// participant's own clock, so clocks of different hosts are never compared) or, on the same host,
// whose pid is dead. The attempt count lives in
// `attempts/<id>`; past `maximumAttempts` the job goes to `failed/` instead of looping forever.
import Foundation

/// What recovery did with one abandoned job.
public enum RecoveryAction: Sendable, Equatable {
    case requeued(jobID: String, attempts: Int, reason: String)
    case gaveUp(jobID: String, attempts: Int, reason: String)

    public var jobID: String {
        switch self {
        case let .requeued(id, _, _), let .gaveUp(id, _, _): return id
        }
    }
}

/// Something a spool participant did, for the daemon's log.
public enum SpoolEvent: Sendable, Equatable, CustomStringConvertible {
    case rejected(name: String, failure: JobFailure)
    /// `imagesKept`: for a cancelled job, how many images stay in `out/<id>/` (nil when the attempt
    /// never opened its output directory, or for other outcomes).
    case finished(jobID: String, outcome: JobOutcome, imagesKept: Int? = nil)
    case recovered(RecoveryAction)

    public var description: String {
        switch self {
        case let .rejected(name, failure): return "job=\(failure.jobID) rejected new/\(name): \(failure.reason)"
        case let .finished(id, outcome, _): return "job=\(id) finished: \(outcome)"
        case let .recovered(.requeued(id, attempts, reason)): return "job=\(id) requeued after \(attempts) attempt(s): \(reason)"
        case let .recovered(.gaveUp(id, attempts, reason)): return "job=\(id) failed after \(attempts) attempt(s): \(reason)"
        }
    }
}

extension Spool {
    /// Why the job in `work/<id>.json` is abandoned, or nil while its holder looks alive.
    ///
    /// Clocks are only compared where they are one clock: a lease written on this host is judged
    /// by its heartbeat time. A lease from another host, and a claim without a lease, are judged by
    /// watching: expired once this participant has seen the same lease (token, attempt, heartbeat)
    /// for longer than the timeout by its own clock, so a host whose clock runs minutes ahead or
    /// behind neither loses its jobs early nor keeps a dead host's jobs late. The price: a worker
    /// that just started waits one timeout before it takes over another host's job.
    func abandonment(of id: String, now: Date, host: String) -> (reason: String, lease: Lease?)? {
        let timeout = configuration.leaseTimeout
        if let lease = readJSON(Lease.self, .state(.work), Self.leaseFile(id)) {
            let holder = "worker \(lease.worker.id) on \(lease.worker.host) (pid \(lease.worker.pid))"
            if lease.worker.host == host {
                let silence = now.timeIntervalSince(lease.heartbeatAt)
                if silence > timeout {
                    return ("\(holder) last heartbeat \(Int(silence))s ago, lease timeout \(Int(timeout))s", lease)
                }
                if !SpoolFiles.processIsAlive(lease.worker.pid) {
                    return ("worker \(lease.worker.id) (pid \(lease.worker.pid)) on this host is no longer running", lease)
                }
                return nil
            }
            let version = "\(lease.token) \(lease.attempt) \(lease.heartbeatAt.timeIntervalSince1970)"
            let unchanged = leaseWatch.unchangedFor(id, version: version, now: now)
            guard unchanged > timeout else { return nil }
            return (
                "\(holder) has not renewed its lease for \(Int(unchanged))s as watched from \(host), lease timeout \(Int(timeout))s",
                lease
            )
        }
        // No lease: the holder died between the claim and the lease write (or is about to write it).
        let unchanged = leaseWatch.unchangedFor(id, version: "no lease", now: now)
        guard unchanged > timeout else { return nil }
        return ("claimed without a lease, seen so for \(Int(unchanged))s", nil)
    }

    /// Requeues (or gives up on) every abandoned job in `work/`. Safe to run from many workers at
    /// once: each move is exclusive, so a job is recovered once.
    @discardableResult
    public func recoverAbandonedJobs(host: String = WorkerIdentity.current().host) throws -> [RecoveryAction] {
        let now = clock.now()
        var actions: [RecoveryAction] = []
        let ids = try SpoolFiles.names(in: directory(.work))
            .filter { $0.hasSuffix(".json") && !$0.hasSuffix(".lease.json") && !$0.hasSuffix(".progress.json") }
            .map { String($0.dropLast(".json".count)) }
            .filter { JobID.isValid($0) }
        leaseWatch.retain(only: Set(ids))
        for id in ids.sorted() {
            guard let (reason, lease) = abandonment(of: id, now: now, host: host) else { continue }
            let attempts = max(readAttempts(id), lease?.attempt ?? 0)
            // XXX: between reading the lease and moving the file, the holder may heartbeat or a new
            // claimer may take over; the loser then sees `leaseLost`. Delivery stays at-least-once.
            if attempts >= configuration.maximumAttempts {
                let record = try recordName(for: id)
                let failure = JobFailure(
                    jobID: record, code: .tooManyAttempts,
                    reason: "gave up after \(attempts) attempts (maximum \(configuration.maximumAttempts)); last: \(reason)",
                    attempts: attempts, worker: lease?.worker.id, failedAt: now)
                try writeJSON(failure, .state(.failed), Self.errorFile(record))
                guard try move(.state(.work), Self.jobFile(id), to: .state(.failed), Self.jobFile(record), exclusive: true) else {
                    remove(.state(.failed), Self.errorFile(record))
                    continue
                }
                remove(.attempts, id)
                remove(.cancel, id)
                if record == id { removeOutputDirectoryIfEmpty(jobID: id) }
                actions.append(.gaveUp(jobID: id, attempts: attempts, reason: reason))
            } else {
                let setAside: String?
                do { setAside = try requeue(id: id) } catch SpoolError.leaseLost { continue }
                let note = setAside.map { "; a newer new/\(id).json was set aside as failed/\($0).json (duplicate-id)" } ?? ""
                actions.append(.requeued(jobID: id, attempts: attempts, reason: reason + note))
            }
            if let lease, readJSON(Lease.self, .state(.work), Self.leaseFile(id))?.token == lease.token {
                remove(.state(.work), Self.leaseFile(id))
            }
            remove(.state(.work), Self.progressFile(id))
            events(.recovered(actions[actions.count - 1]))
        }
        removeOrphanedSidecars(now: now)
        return actions
    }

    /// A worker killed between moving its job out of `work/` and deleting the lease and progress
    /// files leaves them behind. They are removed once older than `leaseTimeout`; a claimer that
    /// raced us just rewrites its lease at the next heartbeat.
    func removeOrphanedSidecars(now: Date) {
        let names = (try? SpoolFiles.names(in: directory(.work))) ?? []
        for suffix in [".lease.json", ".progress.json"] {
            for name in names where name.hasSuffix(suffix) {
                let id = String(name.dropLast(suffix.count))
                guard JobID.isValid(id), !jobExists(.work, id),
                    let info = info(.work, name), now.timeIntervalSince(info.modified) > configuration.leaseTimeout
                else { continue }
                remove(.state(.work), name)
            }
        }
    }
}

/// What recovery has seen of each running job's lease, and since when by this participant's clock.
final class LeaseWatch: @unchecked Sendable {
    private var seen: [String: (version: String, since: Date)] = [:]
    private let lock = NSLock()

    /// Seconds `id` has shown `version` to this participant (0 the first time, or after a change).
    func unchangedFor(_ id: String, version: String, now: Date) -> TimeInterval {
        lock.withLock {
            if let entry = seen[id], entry.version == version { return now.timeIntervalSince(entry.since) }
            seen[id] = (version, now)
            return 0
        }
    }

    func retain(only ids: Set<String>) { lock.withLock { seen = seen.filter { ids.contains($0.key) } } }
}
