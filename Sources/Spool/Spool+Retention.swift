// Retention: finished jobs (`done/`, `failed/`) and their `out/<id>/` are removed once older than
// a maximum age or beyond the newest N, like Postfix's queue lifetimes bound how long a message
// may stay. Queued and running jobs are never touched: only ids whose record is in a finished
// state, and not also present in `tmp/`, `new/` or `work/`, are candidates. Outputs go first and
// the record last, so a prune interrupted half-way is finished by the next one.
import DiskIO
import Foundation

/// How long finished jobs are kept. Nil limits do not apply; a job is removed when any limit
/// that is set says so.
public struct RetentionPolicy: Sendable, Equatable, Codable {
    /// Remove finished jobs that finished more than this many seconds ago.
    public var maximumAge: TimeInterval?
    /// Keep only this many finished jobs (the most recently finished), per state in `states`.
    public var keepLatest: Int?
    /// Which finished states the policy applies to.
    public var states: [SpoolState]

    public init(maximumAge: TimeInterval? = nil, keepLatest: Int? = nil, states: [SpoolState] = [.done, .failed]) {
        self.maximumAge = maximumAge
        self.keepLatest = keepLatest
        self.states = states.filter(\.isFinished)
    }

    /// True when no limit is set (nothing would ever be removed).
    public var isEmpty: Bool { maximumAge == nil && keepLatest == nil }

    /// Parses `90s`, `30m`, `12h`, `7d`, `2w` (or plain seconds) into seconds.
    public static func duration(_ text: String) -> TimeInterval? {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800]
        var number = Substring(text.trimmingCharacters(in: .whitespaces))
        var unit = 1.0
        if let last = number.last, let scale = units[last] {
            unit = scale
            number = number.dropLast()
        }
        guard let value = Double(number), value.isFinite, value >= 0 else { return nil }
        return value * unit
    }
}

/// What a prune removed (or, in a dry run, would remove).
public struct PruneReport: Sendable, Equatable, Codable {
    public struct RemovedJob: Sendable, Equatable, Codable {
        public var jobID: String
        public var state: SpoolState
        public var finishedAt: Date
        /// Files removed from `out/<id>/` (0 when it did not exist).
        public var outputFiles: Int
        public var bytes: Int
        /// "older than 7d" or "beyond the newest 100".
        public var reason: String
    }

    public var dryRun: Bool
    public var removed: [RemovedJob]
    /// Finished jobs left in place.
    public var kept: Int
    /// Ids skipped because the same id is also queued or running.
    public var skipped: [String]
    /// Worker records removed because their process is gone or silent for more than a day.
    public var removedWorkerRecords: [String]
    public var bytesFreed: Int { removed.reduce(0) { $0 + $1.bytes } }
}

extension Spool {
    /// A worker record silent this long is removed by `prune` even when its host cannot be checked.
    static let workerRecordLifetime: TimeInterval = 86_400

    /// Removes finished jobs that `policy` no longer keeps (with `dryRun`, only reports them).
    @discardableResult
    public func prune(_ policy: RetentionPolicy, dryRun: Bool = false) throws -> PruneReport {
        let now = clock.now()
        var report = PruneReport(dryRun: dryRun, removed: [], kept: 0, skipped: [], removedWorkerRecords: [])
        guard !policy.isEmpty else { return report }
        let active = Set(
            try [SpoolState.tmp, .new, .work].flatMap { state in
                try SpoolFiles.names(in: directory(state)).filter { Self.isJobFileName($0) }.map { String($0.dropLast(5)) }
            })
        for state in policy.states {
            let finished = try SpoolFiles.names(in: directory(state)).filter { Self.isJobFileName($0) }
                .map { name -> (id: String, at: Date) in
                    let id = String(name.dropLast(5))
                    return (id, finishedAt(id, state: state) ?? now)
                }
                .sorted { $0.at != $1.at ? $0.at > $1.at : $0.id < $1.id }  // newest first
            for (rank, job) in finished.enumerated() {
                var reason: String?
                if let age = policy.maximumAge, now.timeIntervalSince(job.at) > age {
                    reason = "finished more than \(SpoolStatus.age(age)) ago"
                } else if let keep = policy.keepLatest, rank >= keep {
                    reason = "beyond the newest \(keep) in \(state.rawValue)/"
                }
                guard let reason else {
                    report.kept += 1
                    continue
                }
                if active.contains(job.id) {
                    report.skipped.append(job.id)
                    report.kept += 1
                    continue
                }
                let (files, bytes) = try removeFinishedJob(job.id, state: state, dryRun: dryRun)
                report.removed.append(
                    .init(jobID: job.id, state: state, finishedAt: job.at, outputFiles: files, bytes: bytes, reason: reason))
            }
        }
        if dryRun {
            report.removedWorkerRecords = workers().filter { $0.health == .dead || $0.heartbeatAge > Self.workerRecordLifetime }
                .map(\.record.worker.id)
        } else {
            report.removedWorkerRecords = removeDeadWorkerRecords()
        }
        return report
    }

    /// When a finished job finished: the failure time for `failed/`, else when the record entered
    /// its directory (the rename sets its ctime).
    func finishedAt(_ id: String, state: SpoolState) -> Date? {
        if state == .failed, let failure = readJSON(JobFailure.self, .state(.failed), Self.errorFile(id)) { return failure.failedAt }
        return info(state, Self.jobFile(id))?.changed
    }

    /// Removes `out/<id>/`, the side files and finally the record; returns (files, bytes) of outputs.
    /// Everything goes through the spool's directory descriptors: `out/<id>` is opened without
    /// following a link, and a symlink or stray file in its place is unlinked, never followed.
    private func removeFinishedJob(_ id: String, state: SpoolState, dryRun: Bool) throws -> (Int, Int) {
        var files = 0
        var bytes = 0
        let out = directory(.out)
        if let entry = SpoolFiles.info(out, id) {
            if entry.kind == .directory {
                try removeTree(id, in: out, depth: 0, dryRun: dryRun, files: &files, bytes: &bytes)
            } else if !dryRun {
                remove(.out, id)
            }
        }
        guard !dryRun else { return (files, bytes) }
        remove(.attempts, id)
        remove(.cancel, id)
        if state == .failed { remove(.state(.failed), Self.errorFile(id)) }
        remove(.state(state), Self.jobFile(id))
        return (files, bytes)
    }

    /// Deletes the directory `name` in `parent` and everything under it, each level opened with
    /// O_NOFOLLOW and every entry examined with lstat, so no symlink is ever followed.
    private func removeTree(
        _ name: String, in parent: DirectoryHandle, depth: Int, dryRun: Bool, files: inout Int, bytes: inout Int
    ) throws {
        guard depth < 8 else { return }
        let handle: DirectoryHandle
        do { handle = try parent.openDirectory(name) } catch let error as DiskIOError { throw SpoolError.io(error) }
        for entry in try SpoolFiles.names(in: handle) {
            guard let info = SpoolFiles.info(handle, entry) else { continue }
            if info.kind == .directory {
                try removeTree(entry, in: handle, depth: depth + 1, dryRun: dryRun, files: &files, bytes: &bytes)
            } else {
                if !entry.hasPrefix(".") { files += 1 }
                bytes += info.size
                if !dryRun { _ = try? handle.remove(entry) }
            }
        }
        guard !dryRun, parent.stillHolds(handle, as: name) else { return }
        do { try parent.removeDirectory(name) } catch let error as DiskIOError { throw SpoolError.io(error) }
    }
}
