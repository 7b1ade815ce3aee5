// The end of a claim. `JobOutcome.decide` is the one place a job's fate is chosen and
// `Spool.finish` the one place it is carried out: write the reason first, then move the job file,
// then drop the lease — so a job in `failed/` always has its `.error.json` beside it. A record is
// never replaced: an id that already has one in `done/` or `failed/` ends under a duplicate name.
import DiskIO
import Foundation
import Vocabulary

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// A running job went past a limit of the worker (its time limit): the job fails as `limit-exceeded`.
public struct JobLimitExceeded: Error, Sendable, Equatable, CustomStringConvertible {
    /// Which limit: `time`.
    public let limit: String
    /// What happened and which setting raises the limit.
    public let reason: String
    public init(limit: String, reason: String) {
        self.limit = limit
        self.reason = reason
    }
    public var description: String { reason }
}

/// How a claimed job ends.
public enum JobOutcome: Sendable, Equatable {
    /// All outputs written: the job moves to `done/`.
    case completed
    /// The job moves to `failed/` with this reason.
    case failed(JobFailure)
    /// Cancelled by `kac cancel`: `failed/` with code `cancelled`.
    case cancelled
    /// Given back unfinished (daemon shutting down): back to `new/`, not counted as an attempt.
    case requeued(reason: Reason)

    /// Decides the outcome of a render attempt. Success wins over a late cancel (the images exist);
    /// a cancel request wins over the error it caused; shutdown gives the job back.
    public static func decide(
        jobID: String, rendered: Result<Void, any Error>, cancelRequested: Bool,
        shuttingDown: Bool, attempt: Int, worker: String, at time: Date
    ) -> JobOutcome {
        switch rendered {
        case .success: return .completed
        case .failure where cancelRequested: return .cancelled
        case .failure where shuttingDown: return .requeued(reason: "worker \(worker) shut down")
        case .failure(let error as JobLimitExceeded):
            return .failed(
                JobFailure(jobID: jobID, code: .limitExceeded, reason: error.reason, attempts: attempt, worker: worker, failedAt: time))
        case .failure(let error as JobValidationError):
            return .failed(
                JobFailure(
                    jobID: jobID, code: .invalidJob, reason: Reason(cause: error), field: error.field,
                    validationCode: error.code, attempts: attempt, worker: worker, failedAt: time))
        case .failure(let error):
            return .failed(
                JobFailure(
                    jobID: jobID, code: .renderError, reason: Reason(cause: error), attempts: attempt,
                    worker: worker, failedAt: time))
        }
    }
}

extension Spool {
    /// Carries out `outcome` for a job this worker holds and returns what was actually done (a
    /// requeue that had to set a newer same-named file aside says so). Throws `leaseLost` if the
    /// job is no longer ours (nothing is moved then). Lease, progress and — for a finished job —
    /// attempts and cancel files are removed on every path; so are temporaries in `out/<id>/`.
    @discardableResult
    public func finish(_ claim: ClaimedJob, outcome: JobOutcome) throws -> JobOutcome {
        let id = claim.id
        try checkOwnership(claim)
        var carriedOut = outcome
        var failedUnderOwnID = false
        switch outcome {
        case .completed:
            let record = try recordName(for: id)
            guard try move(.state(.work), Self.jobFile(id), to: .state(.done), Self.jobFile(record), exclusive: true) else {
                throw SpoolError.leaseLost(jobID: id, detail: "work/\(id).json vanished before completion")
            }
            // An operator's retry (`mv failed/<id>.json new/`) leaves the old reason behind; it no longer
            // describes any record once the job is done.
            if record == id, !jobExists(.failed, id) { remove(.state(.failed), Self.errorFile(id)) }
        case .failed(let failure):
            failedUnderOwnID = try moveToFailed(claim, failure: failure)
        case .cancelled:
            failedUnderOwnID = try moveToFailed(
                claim,
                failure: JobFailure(
                    jobID: id, code: .cancelled, reason: "cancelled",
                    attempts: claim.attempt, worker: claim.lease.worker.id, failedAt: clock.now()))
        case .requeued(let reason):
            // On a full disk the lowered count may not fit: the job keeps the higher one (counted once too often).
            do { try writeAttempts(claim.attempt - 1, id: id) } catch let error as SpoolError where error.isDiskFull {}
            let setAside = try requeue(id: id)
            if let setAside {
                carriedOut = .requeued(
                    reason: reason.appending(
                        "; a newer new/\(id).json queued meanwhile was set aside as failed/\(Self.jobFile(setAside)) (duplicate-id)"))
            }
        }
        remove(.state(.work), Self.leaseFile(id))
        remove(.state(.work), Self.progressFile(id))
        if case .requeued = outcome {
            events(.finished(jobID: id, outcome: carriedOut))
            return carriedOut
        }
        let imagesKept = outcome == .cancelled ? try? claim.output?.completedOutputs().count : nil
        remove(.cancel, id)
        remove(.attempts, id)
        claim.output?.removeTemporaryFiles()
        // A record set aside under a duplicate name leaves `out/<id>/` to the earlier job.
        if failedUnderOwnID { removeOutputDirectoryIfEmpty(jobID: id) }
        events(.finished(jobID: id, outcome: carriedOut, imagesKept: imagesKept))
        return carriedOut
    }

    /// Moves `work/<id>.json` back to `new/`. A newer `new/<id>.json` that a producer queued while
    /// the job ran is the later file: it is set aside as a duplicate (its name returned) so the
    /// running job keeps its id. Throws `leaseLost` when `work/<id>.json` is gone.
    @discardableResult
    func requeue(id: String) throws -> String? {
        var setAside: String?
        for _ in 0..<3 {
            if try move(.state(.work), Self.jobFile(id), to: .state(.new), Self.jobFile(id), exclusive: true) { return setAside }
            guard jobExists(.work, id) else {
                throw SpoolError.leaseLost(jobID: id, detail: "work/\(id).json vanished before it could be requeued")
            }
            if sameBytes(.work, .new, Self.jobFile(id)) {
                // A claim by link died between its link and its unlink: both names hold this job.
                // It is queued already; dropping the work/ name finishes the requeue.
                remove(.state(.work), Self.jobFile(id))
                return setAside
            }
            setAside =
                try setAsideDuplicate(
                    from: .new, id: id,
                    reason:
                        "job \(id) was still running when this file was queued under the same id; the running job was requeued under its id — submit this job under another id",
                    at: clock.now()) ?? setAside
        }
        throw SpoolError.io(
            DiskIOError(
                errno: EEXIST, systemCall: "renameat2", path: jobPath(.work, id),
                message: "cannot requeue \(jobPath(.work, id)): new/\(id).json keeps reappearing"))
    }

    /// Whether `first/name` and `second/name` are both regular files with the same bytes.
    func sameBytes(_ first: SpoolState, _ second: SpoolState, _ name: String) -> Bool {
        let limit = configuration.limits.maximumFileSize
        guard case .bytes(let left)? = try? SpoolFiles.read(directory(first), name, limit: limit),
            case .bytes(let right)? = try? SpoolFiles.read(directory(second), name, limit: limit)
        else { return false }
        return left == right
    }

    /// `id` when neither `done/` nor `failed/` holds a record of that id; otherwise a fresh
    /// duplicate name, so an earlier record (and its `.error.json`) is never replaced.
    func recordName(for id: String) throws -> String {
        guard jobExists(.done, id) || jobExists(.failed, id) else { return id }
        return Self.duplicateName(for: id)
    }

    /// Removes `out/<id>/` when it holds no output (only dotfiles such as the render fingerprint),
    /// so a job that failed before its first image leaves no empty directory behind. Everything is
    /// relative to `out/`'s descriptor: `out/<id>` is opened without following a link, emptied
    /// through that descriptor, and removed only while it is still the directory that was opened.
    func removeOutputDirectoryIfEmpty(jobID id: String) {
        let out = directory(.out)
        guard SpoolFiles.info(out, id)?.kind == .directory, let handle = try? out.openDirectory(id),
            let names = try? handle.names(),
            names.allSatisfy({ $0.hasPrefix(".") && SpoolFiles.info(handle, $0)?.kind == .regular })
        else { return }
        for name in names { _ = try? handle.remove(name) }
        guard out.stillHolds(handle, as: id) else { return }
        _ = try? out.removeDirectory(id)
    }

    /// Returns true when the record kept the job's own id (not set aside under a duplicate name).
    @discardableResult
    private func moveToFailed(_ claim: ClaimedJob, failure: JobFailure) throws -> Bool {
        let record = try recordName(for: claim.id)
        var failure = failure
        if record != claim.id { failure.jobID = record }
        try writeJSON(failure, .state(.failed), Self.errorFile(record))
        guard try move(.state(.work), Self.jobFile(claim.id), to: .state(.failed), Self.jobFile(record), exclusive: true) else {
            remove(.state(.failed), Self.errorFile(record))
            throw SpoolError.leaseLost(jobID: claim.id, detail: "work/\(claim.id).json vanished before it could be failed")
        }
        return record == claim.id
    }

    /// Throws `leaseLost` unless `work/<id>.json` exists and the lease (if present) carries our token.
    func checkOwnership(_ claim: ClaimedJob) throws {
        guard jobExists(.work, claim.id) else {
            throw SpoolError.leaseLost(jobID: claim.id, detail: "work/\(claim.id).json is gone (requeued or finished by another worker)")
        }
        if let lease = readJSON(Lease.self, .state(.work), Self.leaseFile(claim.id)), lease.token != claim.lease.token {
            throw SpoolError.leaseLost(jobID: claim.id, detail: "the lease now belongs to \(lease.worker.id) (attempt \(lease.attempt))")
        }
    }

    /// Refreshes the lease. Call well within `leaseTimeout`; on `leaseLost`, stop rendering.
    @discardableResult
    public func heartbeat(_ claim: inout ClaimedJob) throws -> Lease {
        try checkOwnership(claim)
        claim.lease.heartbeatAt = clock.now()
        try writeJSON(claim.lease, .state(.work), Self.leaseFile(claim.id))
        return claim.lease
    }

    /// Records that `completed` of `total` images exist and, with `batch`, how far the batch in
    /// flight has come (images, step, steps). The ETA uses this run's rate only and counts a batch
    /// in flight by its fraction of steps done.
    @discardableResult
    public func reportProgress(
        _ claim: ClaimedJob, completed: Int, total: Int, batch: (images: Int, step: Int, steps: Int)? = nil
    ) throws -> JobProgress {
        let now = clock.now()
        let inFlight = batch.map { Double($0.images) * Double($0.step) / Double(max($0.steps, 1)) } ?? 0
        let doneThisRun = Double(completed - claim.completedAtClaim.count) + inFlight
        let elapsed = now.timeIntervalSince(claim.lease.claimedAt)
        let remaining = max(Double(total - completed) - inFlight, 0)
        let eta: Double? = doneThisRun > 0 ? elapsed / doneThisRun * remaining : nil
        var progress = JobProgress(
            jobID: claim.id, completed: completed, total: total, startedAt: claim.lease.claimedAt,
            updatedAt: now, etaSeconds: eta)
        if let batch { (progress.batchImages, progress.batchStep, progress.batchSteps) = (batch.images, batch.step, batch.steps) }
        try writeJSON(progress, .state(.work), Self.progressFile(claim.id))
        return progress
    }

    /// True once `kac cancel` asked to stop this job; the renderer checks between images.
    public func isCancelRequested(jobID: String) -> Bool {
        JobID.isValid(jobID) && info(.cancel, jobID) != nil
    }

    /// Output files already in `out/<id>/` (sorted; dotfiles and `result.json` excluded).
    public func completedOutputs(jobID: String) throws -> [String] {
        guard JobID.isValid(jobID) else { throw SpoolError.invalidJobID(jobID) }
        guard info(.out, jobID)?.kind == .directory else { return [] }
        let handle: DirectoryHandle
        do { handle = try directory(.out).openDirectory(jobID) } catch let error as DiskIOError { throw SpoolError.io(error) }
        return try JobOutputDirectory(handle).completedOutputs()
    }

    /// The path for output `name` of a held job; `name` must be a plain file name.
    public func outputPath(_ claim: ClaimedJob, name: String) throws -> String {
        guard JobID.isValidName(name), name != "result.json" else { throw SpoolError.invalidOutputName(name) }
        return claim.outputDirectory + "/" + name
    }

    /// Writes one output atomically through the job's open `out/<id>/` (rerunning writes
    /// identical bytes to the same name).
    public func writeOutput(_ bytes: [UInt8], name: String, for claim: ClaimedJob) throws {
        _ = try outputPath(claim, name: name)
        try output(of: claim).write(bytes, name: name)
    }

    /// Writes `out/<id>/result.json` from any Codable value (sorted keys, ISO 8601 dates).
    public func writeResult(_ result: some Encodable, for claim: ClaimedJob) throws {
        let bytes: [UInt8]
        do { bytes = try SpoolJSON.encode(result) } catch {
            throw SpoolError.unencodable(path: claim.outputDirectory + "/result.json", cause: error)
        }
        try output(of: claim).write(bytes, name: "result.json")
    }

    func output(of claim: ClaimedJob) throws -> JobOutputDirectory {
        guard let output = claim.output else {
            throw SpoolError.io(
                DiskIOError(errno: ENOENT, systemCall: "openat", path: claim.outputDirectory, message: "out/\(claim.id)/ was never opened"))
        }
        return output
    }
}
