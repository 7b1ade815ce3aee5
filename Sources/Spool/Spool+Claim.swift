// Claiming: scan `new/`, decide what each entry is (ready job, settled bad file, hostile entry,
// not ready yet), then take jobs in priority order. The claim itself is one no-replace rename into `work/`;
// everything after it (attempt count, lease, re-validation) happens on a file only we hold.
import DiskIO
import Foundation
import Vocabulary

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

extension Spool {
    /// One entry of `new/` as a scan sees it.
    enum QueueEntry {
        /// Valid and ready: claim in (priority desc, mtime asc, name asc) order.
        case ready(id: String, priority: Int, modified: Date)
        /// Settled but invalid (or an id mismatch): claim, then fail with the validator's reason.
        case invalid(id: String)
        /// Not a regular file, or a name that is not `<id>.json`: moved to `failed/` unopened.
        case reject(name: String, reason: String, code: JobFailure.Code)
    }

    /// Claims the next job for `worker`, failing bad files it meets on the way. Returns nil when
    /// nothing is claimable now (the queue is empty, or files are still settling).
    public func claimNext(as worker: WorkerIdentity) throws -> ClaimedJob? {
        try checkDirectories()
        for entry in try scanQueue() {
            switch entry {
            case let .reject(name, reason, code):
                try reject(name: name, reason: reason, code: code)
            case let .invalid(id), let .ready(id, _, _):
                if let claimed = try claim(id: id, as: worker) { return claimed }
            }
        }
        return nil
    }

    /// Reads `new/` and orders what is actionable now.
    func scanQueue() throws -> [QueueEntry] {
        let now = clock.now()
        var urgent: [QueueEntry] = []
        var ready: [(id: String, priority: Int, modified: Date)] = []
        let names = try queueEntryNames()
        scanCache.retain(only: Set(names))
        for name in names {
            guard let info = info(.new, name) else { continue }  // claimed meanwhile
            let id = String(name.dropLast(".json".count))
            switch info.kind {
            case .directory: continue  // documented: ignored
            case .regular: break
            default:
                urgent.append(
                    .reject(
                        name: name,
                        reason:
                            "new/\(name) is a \(info.kind.rawValue), not a regular file; the spool never follows links or opens special files — copy the job file itself into new/",
                        code: .notARegularFile))
                continue
            }
            guard JobID.isValid(id) else {
                urgent.append(
                    .reject(
                        name: name,
                        reason: "file name \(name.debugDescription) is not <id>.json with an id matching \(JobID.pattern); rename it",
                        code: .badFileName))
                continue
            }
            let settled = now.timeIntervalSince(info.modified) >= configuration.settlePeriod
            let verdict: Result<RenderJob, JobValidationError>
            if let cached = scanCache.lookup(name, info: info) {
                verdict = cached
            } else if info.size > configuration.limits.maximumFileSize {
                verdict = .failure(
                    JobValidationError(
                        .tooLarge, field: nil,
                        "the file has \(info.size) bytes; job files may have at most \(configuration.limits.maximumFileSize)"))
                scanCache.store(name, info: info, verdict: verdict)
            } else {
                guard case .bytes(let bytes) = try SpoolFiles.read(directory(.new), name, limit: configuration.limits.maximumFileSize)
                else { continue }
                verdict = validate(bytes, id: id)
                scanCache.store(name, info: info, verdict: verdict)
            }
            switch verdict {
            case .success(let job): ready.append((id, job.priority, info.modified))
            case .failure: if settled { urgent.append(.invalid(id: id)) }
            }
        }
        ready.sort { a, b in
            if a.priority != b.priority { return a.priority > b.priority }
            if a.modified != b.modified { return a.modified < b.modified }
            return a.id < b.id
        }
        return urgent + ready.map { .ready(id: $0.id, priority: $0.priority, modified: $0.modified) }
    }

    /// The names in `new/` a scan judges: `*.json`, dotfiles excluded (a producer's temporaries).
    func queueEntryNames() throws -> [String] {
        try SpoolFiles.names(in: directory(.new)).filter { !$0.hasPrefix(".") && $0.hasSuffix(".json") }
    }

    /// How many entries of `new/` may still become jobs or be failed by a worker: every name a
    /// claim's scan judges, whether ready, settling or bad (the daemon's status line and `--once`,
    /// which waits until this is 0).
    public func queuedEntryCount() throws -> Int { try queueEntryNames().count }

    /// Validates a job file named `<id>.json`: the `id` field, when given, must equal the name.
    func validate(_ bytes: [UInt8], id: String) -> Result<RenderJob, JobValidationError> {
        do {
            var job = try validator.validate(bytes)
            if let given = job.id, given != id {
                return .failure(
                    JobValidationError(
                        .invalidValue, field: "id",
                        "\"id\" is \"\(given)\" but the file is named \(id).json; rename the file to \(given).json or remove the id field"))
            }
            job.id = id
            return .success(job)
        } catch { return .failure(error) }
    }

    /// Takes `new/<id>.json` for `worker`. Nil if another worker was faster (or a job with the same
    /// id is running), if the job turned out invalid or cancelled and was failed right away, or if
    /// it repeats the id of a finished job and was set aside as a duplicate.
    func claim(id: String, as worker: WorkerIdentity) throws -> ClaimedJob? {
        let file = Self.jobFile(id)
        guard try move(.state(.new), file, to: .state(.work), file, exclusive: true) else { return nil }
        let now = clock.now()
        if let earlier = [SpoolState.done, .failed].first(where: { jobExists($0, id) }) {
            // A later file never touches an earlier record or its outputs (spool/README.md, "Repeated job ids").
            try setAsideDuplicate(
                from: .work, id: id,
                reason:
                    "a job with id \(id) already finished (\(earlier.rawValue)/\(file)); out/\(id)/ and that record were left untouched — submit this job under another id",
                at: now)
            return nil
        }
        let attempt = readAttempts(id) + 1
        let lease = Lease(
            jobID: id, worker: worker, token: Self.randomHex(16), attempt: attempt, claimedAt: now, heartbeatAt: now,
            timeout: configuration.leaseTimeout)
        do {
            try writeAttempts(attempt, id: id)
            try writeJSON(lease, .state(.work), Self.leaseFile(id))
        } catch let error as SpoolError where error.isDiskFull {
            // A full disk is no reason to hold the job: a rename needs no space, so it goes back to
            // new/ at once (not via lease recovery), and the caller learns which write failed.
            remove(.state(.work), Self.leaseFile(id))
            _ = try? move(.state(.work), file, to: .state(.new), file, exclusive: true)
            throw error
        }
        let outputDirectory = path(.out, id)
        let placeholder = RenderJob(id: id, model: .quality(.fastest))
        var claimed = ClaimedJob(
            id: id, job: placeholder, lease: lease, outputDirectory: outputDirectory, output: nil, completedAtClaim: [])
        let verdict: Result<RenderJob, JobValidationError>
        switch try SpoolFiles.read(directory(.work), file, limit: configuration.limits.maximumFileSize) {
        case .bytes(let bytes): verdict = validate(bytes, id: id)
        case .tooLarge(let size):
            verdict = .failure(
                JobValidationError(
                    .tooLarge, field: nil, "the file has \(size) bytes; job files may have at most \(configuration.limits.maximumFileSize)")
            )
        case .notRegular, .missing:
            verdict = .failure(JobValidationError(.malformedJSON, field: nil, "the job file changed while it was claimed; submit it again"))
        }
        switch verdict {
        case .failure(let error):
            try finish(
                claimed,
                outcome: .failed(
                    JobFailure(
                        jobID: id, code: .invalidJob, reason: Reason(cause: error), field: error.field,
                        validationCode: error.code, attempts: attempt, worker: worker.id, failedAt: now)))
            return nil
        case .success(let job):
            if isCancelRequested(jobID: id) {
                try finish(claimed, outcome: .cancelled)
                return nil
            }
            let output: JobOutputDirectory
            do {
                // mkdirat + openat(O_NOFOLLOW): a symlink planted at out/<id> is refused, never followed,
                // and from here on every output is written relative to this descriptor.
                output = JobOutputDirectory(try directory(.out).makeDirectory(id).handle)
            } catch {
                try finish(
                    claimed,
                    outcome: .failed(
                        JobFailure(
                            jobID: id, code: .outputUnavailable,
                            reason: Reason("cannot use out/\(id)/", cause: error), attempts: attempt, worker: worker.id, failedAt: now)))
                return nil
            }
            claimed = ClaimedJob(
                id: id, job: job, lease: lease, outputDirectory: outputDirectory, output: output,
                completedAtClaim: (try? output.completedOutputs()) ?? [])
            return claimed
        }
    }

    /// Moves an unusable `new/` entry to `failed/rejected-<random>.json` (never opening it) and
    /// records why next to it.
    func reject(name: String, reason: String, code: JobFailure.Code) throws {
        let id = "rejected-" + Self.randomHex(12)
        let failure = JobFailure(jobID: id, code: code, reason: reason, originalName: name, failedAt: clock.now())
        try writeJSON(failure, .state(.failed), Self.errorFile(id))
        guard try move(.state(.new), name, to: .state(.failed), Self.jobFile(id), exclusive: true) else {
            remove(.state(.failed), Self.errorFile(id))
            return
        }
        events(.rejected(name: name, failure: failure))
    }

    /// A name for a job file that repeats `id` and cannot collide with any record:
    /// `<id>.dup-<12 hex digits>` (the id shortened to keep the result a valid id).
    static func duplicateName(for id: String) -> String {
        "\(id.prefix(JobID.maximumLength - 17)).dup-\(randomHex(12))"
    }

    /// Moves `<state>/<id>.json` — a later file repeating an id that is taken — to
    /// `failed/<id>.dup-<hex>.json` with a `duplicate-id` reason beside it, touching nothing of
    /// the earlier job. Returns the new name, or nil if the file was gone.
    @discardableResult
    func setAsideDuplicate(from state: SpoolState, id: String, reason: String, at time: Date) throws -> String? {
        for _ in 0..<3 {
            let name = Self.duplicateName(for: id)
            let failure = JobFailure(
                jobID: name, code: .duplicateID, reason: reason, originalName: "\(state.rawValue)/\(Self.jobFile(id))", failedAt: time)
            try writeJSON(failure, .state(.failed), Self.errorFile(name))
            if try move(.state(state), Self.jobFile(id), to: .state(.failed), Self.jobFile(name), exclusive: true) {
                events(.rejected(name: Self.jobFile(id), failure: failure))
                return name
            }
            remove(.state(.failed), Self.errorFile(name))
            if !jobExists(state, id) { return nil }
        }
        throw SpoolError.io(
            DiskIOError(
                errno: EEXIST, systemCall: "renameat2", path: jobPath(state, id),
                message: "cannot set aside \(jobPath(state, id)) under a fresh name in failed/"))
    }

    func readAttempts(_ id: String) -> Int { readCount(.attempts, id) }

    /// Records `count` claims; 0 removes the file (a job that was never really attempted).
    func writeAttempts(_ count: Int, id: String) throws {
        guard count > 0 else { return remove(.attempts, id) }
        try writeBytes(Array("\(count)\n".utf8), .attempts, id)
    }

    static func randomHex(_ digits: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<digits).map { _ in "0123456789abcdef".randomElement(using: &generator) ?? "0" })
    }
}
