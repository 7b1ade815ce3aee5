// A read-only snapshot of the spool for `kac status`: counts per state, the workers and their
// heartbeat ages, running jobs with lease and progress, the queue in claim order, recent
// failures with their reasons. Reading never changes the spool, so it is safe to run as any user
// that can read the directories.
import Foundation
import Vocabulary

public struct SpoolStatus: Sendable, Equatable, Codable {
    public struct RunningJob: Sendable, Equatable, Codable {
        public var jobID: String
        public var lease: Lease?
        public var progress: JobProgress?
        /// True when the holder looks gone: lease past its timeout, or its pid dead on this host.
        public var leaseExpired: Bool
        public var leaseExpiresAt: Date?
        /// Why the holder looks gone (nil while it looks alive).
        public var abandoned: String?
        /// The progress file's ETA counted down to the time of this snapshot.
        public var etaSeconds: Double?
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
    /// Every worker that announced itself in `workers/`, alive ones first.
    public var workers: [WorkerStatus]
    public var running: [RunningJob]
    /// `new/` in the order workers will claim it.
    public var queue: [QueuedJob]
    /// Newest first.
    public var recentFailures: [FailedJob]
    /// Entries in `new/` the spool leaves alone (dotfiles, names without `.json`, directories).
    public var ignored: [String]
    /// Leftover files present (temporaries, a killed producer's tmp/ files, stale markers).
    public var leftovers = SpoolLeftovers()
    /// Of those, the ones past their grace period: the next sweep by `kacd` removes them.
    public var leftoversDue = SpoolLeftovers()
    public var takenAt: Date
    /// The spool's file system and the probe's verdict (set by `kac status`, which runs the probe).
    public var filesystem: FilesystemProbe? = nil

    /// Human-readable report, one fact per line; at most `queueLimit` queued jobs are listed.
    public func text(queueLimit: Int = 20) -> String {
        var lines = ["queue: " + SpoolState.allCases.map { "\($0.rawValue)=\(counts[$0] ?? 0)" }.joined(separator: " ")]
        // Records of dead workers are summarised in one line, however many killed processes left them.
        let listed = workers.filter { $0.health != .dead }
        let dead = workers.count - listed.count
        if listed.isEmpty {
            lines.append(
                dead == 0
                    ? "workers: none has announced itself in workers/ (is kacd running on this spool?)"
                    : "workers: none alive (is kacd running on this spool?)")
        } else {
            lines.append("workers:")
            for status in listed {
                let record = status.record
                var line = "  \(Escaped.text(record.worker.id)) \(status.health.rawValue) heartbeat \(Self.age(status.heartbeatAge)) ago"
                line += " pid \(record.worker.pid) on \(Escaped.text(record.worker.host))"
                line += record.job.map { ", rendering \(Escaped.text($0))" } ?? ", idle"
                lines.append(line)
            }
        }
        if dead > 0 {
            lines.append(
                "  and \(dead) record(s) of dead workers (process gone on this host; kacd's next sweep or `kac prune` removes them; "
                    + "`kac status --json` lists them)"
            )
        }
        if !running.isEmpty { lines.append("running:") }
        for job in running {
            var line = "  \(Escaped.text(job.jobID))"
            if let lease = job.lease {
                line +=
                    " worker=\(Escaped.text(lease.worker.id)) attempt=\(lease.attempt)"
                    + " heartbeat \(Self.age(takenAt.timeIntervalSince(lease.heartbeatAt))) ago"
            } else {
                line += " (no lease yet)"
            }
            if let progress = job.progress {
                line += " \(progress.completed)/\(progress.total)"
                if let step = progress.batchStep, let steps = progress.batchSteps { line += " (batch at step \(step)/\(steps))" }
            }
            if let eta = job.etaSeconds { line += " eta=\(Int(eta.rounded()))s" }
            if job.leaseExpired { line += " LEASE EXPIRED" + (job.abandoned.map { ": \(Escaped.text($0))" } ?? "") }
            if job.cancelRequested { line += " cancelling" }
            lines.append(line)
        }
        if !queue.isEmpty { lines.append("queued (in the order workers take them):") }
        for job in queue.prefix(queueLimit) {
            var line = "  \(job.position). \(Escaped.text(job.jobID))"
            if let priority = job.priority, priority != 0 { line += " priority=\(priority)" }
            if let count = job.count { line += " count=\(count)" }
            if let model = job.model { line += " \(Escaped.text(model))" }
            line += " queued \(Self.age(takenAt.timeIntervalSince(job.queuedAt))) ago"
            if job.attempts > 0 { line += " attempts=\(job.attempts)" }
            if let problem = job.problem { line += " — \(Escaped.text(problem.description, limit: 500))" }
            lines.append(line)
        }
        if queue.count > queueLimit { lines.append("  … and \(queue.count - queueLimit) more (`kac status --json` lists all)") }
        if !recentFailures.isEmpty { lines.append("recent failures:") }
        for failure in recentFailures {
            lines.append("  \(Escaped.text(failure.jobID)) [\(Escaped.text(failure.code))] \(Escaped.text(failure.reason, limit: 500))")
        }
        if let filesystem { lines.append("filesystem: \(Escaped.text(filesystem.sentence, limit: 500))") }
        if !ignored.isEmpty { lines.append("ignored in new/: " + ignored.map { Escaped.text($0) }.joined(separator: ", ")) }
        if leftovers.total > 0 {
            lines.append("leftovers: \(leftovers.summary) (\(leftoversDue.total) past the grace period; kacd sweeps them)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `42s`, `3m05s`, `2h10m`, `3d4h`: short ages for status lines.
    public static func age(_ seconds: Double) -> String {
        let total = Int(max(seconds, 0).rounded())
        if total < 60 { return "\(total)s" }
        if total < 3600 { return "\(total / 60)m\(String(format: "%02d", total % 60))s" }
        if total < 86_400 { return "\(total / 3600)h\(String(format: "%02d", total % 3600 / 60))m" }
        return "\(total / 86_400)d\(total % 86_400 / 3600)h"
    }
}

extension Spool {
    /// Reads the current state; `recentFailureLimit` bounds the failure list.
    public func status(recentFailureLimit: Int = 10) throws -> SpoolStatus {
        let now = clock.now()
        let host = SpoolFiles.hostName
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
            let abandoned = lease.flatMap { abandonmentReason(of: $0, now: now, host: host) }
            let progress = readJSON(JobProgress.self, .state(.work), Self.progressFile(id))
            return SpoolStatus.RunningJob(
                jobID: id, lease: lease, progress: progress, leaseExpired: abandoned != nil,
                leaseExpiresAt: lease?.expiresAt(fallback: configuration.leaseTimeout), abandoned: abandoned,
                etaSeconds: Self.remainingETA(progress, now: now), cancelRequested: isCancelRequested(jobID: id))
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
            counts: counts, workers: workers(host: host), running: running, queue: try queue(),
            recentFailures: Array(recent), ignored: ignored, leftovers: leftovers(), leftoversDue: sweep(dryRun: true),
            takenAt: now)
    }

    /// `<id>.json` that is not one of the sidecar files.
    static func isJobFileName(_ name: String) -> Bool {
        guard name.hasSuffix(".json"), !name.hasPrefix(".") else { return false }
        for suffix in [".lease.json", ".progress.json", ".error.json"] where name.hasSuffix(suffix) { return false }
        return JobID.isValid(String(name.dropLast(5)))
    }
}
