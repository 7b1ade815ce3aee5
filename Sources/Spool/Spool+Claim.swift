// Claiming: scan `new/`, decide what each entry is (ready job, settled bad file, hostile entry,
// not ready yet), then take jobs in priority order. The claim itself is one no-replace rename into `work/`;
// everything after it (attempt count, lease, re-validation) happens on a file only we hold.
import Foundation

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
        let names = try SpoolFiles.names(in: directoryPath(.new)).filter { !$0.hasPrefix(".") && $0.hasSuffix(".json") }
        scanCache.retain(only: Set(names))
        for name in names {
            let path = self.path(.new, name)
            guard let info = SpoolFiles.info(path) else { continue }  // claimed meanwhile
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
                guard case .bytes(let bytes) = try SpoolFiles.read(path, limit: configuration.limits.maximumFileSize) else { continue }
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
    /// id is running) or if the job turned out invalid or cancelled and was failed right away.
    func claim(id: String, as worker: WorkerIdentity) throws -> ClaimedJob? {
        guard try SpoolFiles.moveExclusive(jobPath(.new, id), to: jobPath(.work, id)) else { return nil }
        let now = clock.now()
        let attempt = readAttempts(id) + 1
        try writeAttempts(attempt, id: id)
        let lease = Lease(
            jobID: id, worker: worker, token: Self.randomHex(16), attempt: attempt, claimedAt: now, heartbeatAt: now,
            timeout: configuration.leaseTimeout)
        try writeJSON(lease, to: leasePath(id))
        let outputDirectory = path(.out, id)
        let placeholder = RenderJob(id: id, model: .quality(.fastest))
        var claimed = ClaimedJob(id: id, job: placeholder, lease: lease, outputDirectory: outputDirectory, completedAtClaim: [])
        let verdict: Result<RenderJob, JobValidationError>
        switch try SpoolFiles.read(jobPath(.work, id), limit: configuration.limits.maximumFileSize) {
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
                        jobID: id, code: .invalidJob, reason: error.description, field: error.field,
                        validationCode: error.code, attempts: attempt, worker: worker.id, failedAt: now)))
            return nil
        case .success(let job):
            if isCancelRequested(jobID: id) {
                try finish(claimed, outcome: .cancelled)
                return nil
            }
            do { try SpoolFiles.makeDirectory(outputDirectory) } catch {
                try finish(
                    claimed,
                    outcome: .failed(
                        JobFailure(
                            jobID: id, code: .outputUnavailable,
                            reason: "cannot use out/\(id)/: \(error)", attempts: attempt, worker: worker.id, failedAt: now)))
                return nil
            }
            claimed = ClaimedJob(
                id: id, job: job, lease: lease, outputDirectory: outputDirectory,
                completedAtClaim: (try? completedOutputs(jobID: id)) ?? [])
            return claimed
        }
    }

    /// Moves an unusable `new/` entry to `failed/rejected-<random>.json` (never opening it) and
    /// records why next to it.
    func reject(name: String, reason: String, code: JobFailure.Code) throws {
        let id = "rejected-" + Self.randomHex(12)
        guard try SpoolFiles.moveReplacing(path(.new, name), to: jobPath(.failed, id)) else { return }
        let failure = JobFailure(jobID: id, code: code, reason: reason, originalName: name, failedAt: clock.now())
        try writeJSON(failure, to: errorPath(id))
        events(.rejected(name: name, failure: failure))
    }

    func readAttempts(_ id: String) -> Int {
        guard case .bytes(let bytes)? = try? SpoolFiles.read(attemptsPath(id), limit: 32) else { return 0 }
        return Int(String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }

    func writeAttempts(_ count: Int, id: String) throws {
        try writeBytes(Array("\(count)\n".utf8), to: attemptsPath(id))
    }

    static func randomHex(_ digits: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<digits).map { _ in "0123456789abcdef".randomElement(using: &generator) ?? "0" })
    }
}
