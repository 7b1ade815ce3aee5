// A read-only snapshot of the spool for `kac status`: counts per state, running jobs with lease
// and progress, recent failures with their reasons. Reading never changes the spool, so it is
// safe to run as any user that can read the directories.
import Foundation

public struct SpoolStatus: Sendable, Equatable, Codable {
    public struct RunningJob: Sendable, Equatable, Codable {
        public var jobID: String
        public var lease: Lease?
        public var progress: JobProgress?
        public var leaseExpired: Bool
        public var cancelRequested: Bool
    }

    public struct FailedJob: Sendable, Equatable, Codable {
        public var jobID: String
        public var code: String
        public var reason: String
        public var failedAt: Date?
    }

    /// Number of job files per state (every state has an entry). In JSON an object keyed by the
    /// directory names: `{"done": 3, "failed": 0, "new": 1, "tmp": 0, "work": 1}`.
    public var counts: [SpoolState: Int]
    public var running: [RunningJob]
    /// Newest first.
    public var recentFailures: [FailedJob]
    /// Entries in `new/` the spool leaves alone (dotfiles, names without `.json`, directories).
    public var ignored: [String]
    /// Leftover files present (temporaries, a killed producer's tmp/ files, stale markers).
    public var leftovers = SpoolLeftovers()
    /// Of those, the ones past their grace period: the next sweep by `kacd` removes them.
    public var leftoversDue = SpoolLeftovers()
    public var takenAt: Date

    /// Human-readable report, one fact per line.
    public func text() -> String {
        var lines = ["queue: " + SpoolState.allCases.map { "\($0.rawValue)=\(counts[$0] ?? 0)" }.joined(separator: " ")]
        if !running.isEmpty { lines.append("running:") }
        for job in running {
            var line = "  \(job.jobID)"
            if let lease = job.lease { line += " worker=\(lease.worker.id) attempt=\(lease.attempt)" } else { line += " (no lease yet)" }
            if let progress = job.progress {
                line += " \(progress.completed)/\(progress.total)"
                if let eta = progress.etaSeconds { line += " eta=\(Int(eta.rounded()))s" }
            }
            if job.leaseExpired { line += " LEASE EXPIRED" }
            if job.cancelRequested { line += " cancelling" }
            lines.append(line)
        }
        if !recentFailures.isEmpty { lines.append("recent failures:") }
        for failure in recentFailures { lines.append("  \(failure.jobID) [\(failure.code)] \(failure.reason)") }
        if !ignored.isEmpty { lines.append("ignored in new/: " + ignored.joined(separator: ", ")) }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension Spool {
    /// Reads the current state; `recentFailureLimit` bounds the failure list.
    public func status(recentFailureLimit: Int = 10) throws -> SpoolStatus {
        let now = clock.now()
        var counts: [SpoolState: Int] = [:]
        var ignored: [String] = []
        for state in SpoolState.allCases {
            let names = try SpoolFiles.names(in: directory(state))
            let jobs = names.filter { Self.isJobFileName($0) }
            counts[state] = jobs.count
            if state == .new {
                ignored = names.filter { !jobs.contains($0) || info(.new, $0)?.kind == .directory }.sorted()
            }
        }
        let runningIDs = try SpoolFiles.names(in: directory(.work)).filter { Self.isJobFileName($0) }.map { String($0.dropLast(5)) }
            .sorted()
        let running = runningIDs.map { id in
            let lease = readJSON(Lease.self, .state(.work), Self.leaseFile(id))
            let expired = lease.map { now.timeIntervalSince($0.heartbeatAt) > configuration.leaseTimeout } ?? false
            return SpoolStatus.RunningJob(
                jobID: id, lease: lease, progress: readJSON(JobProgress.self, .state(.work), Self.progressFile(id)),
                leaseExpired: expired, cancelRequested: isCancelRequested(jobID: id))
        }
        let failedNames = try SpoolFiles.names(in: directory(.failed)).filter { Self.isJobFileName($0) }
        let failures = failedNames.map { name -> (SpoolStatus.FailedJob, Date) in
            let id = String(name.dropLast(5))
            let modified = info(.failed, name)?.modified ?? .distantPast
            guard let failure = readJSON(JobFailure.self, .state(.failed), Self.errorFile(id)) else {
                return (.init(jobID: id, code: "unknown", reason: "no readable failed/\(id).error.json", failedAt: nil), modified)
            }
            return (.init(jobID: id, code: failure.code.rawValue, reason: failure.reason, failedAt: failure.failedAt), failure.failedAt)
        }
        let recent = failures.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0.jobID < $1.0.jobID }.prefix(recentFailureLimit).map(\.0)
        return SpoolStatus(
            counts: counts, running: running, recentFailures: Array(recent), ignored: ignored, leftovers: leftovers(),
            leftoversDue: sweep(dryRun: true), takenAt: now)
    }

    /// `<id>.json` that is not one of the sidecar files.
    static func isJobFileName(_ name: String) -> Bool {
        guard name.hasSuffix(".json"), !name.hasPrefix(".") else { return false }
        for suffix in [".lease.json", ".progress.json", ".error.json"] where name.hasSuffix(suffix) { return false }
        return JobID.isValid(String(name.dropLast(5)))
    }
}
