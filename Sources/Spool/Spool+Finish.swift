// The end of a claim. `JobOutcome.decide` is the one place a job's fate is chosen and
// `Spool.finish` the one place it is carried out: write the reason first, then move the job file,
// then drop the lease — so a job in `failed/` always has its `.error.json` beside it.
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// How a claimed job ends.
public enum JobOutcome: Sendable, Equatable {
    /// All outputs written: the job moves to `done/`.
    case completed
    /// The job moves to `failed/` with this reason.
    case failed(JobFailure)
    /// Cancelled by `kac cancel`: `failed/` with code `cancelled`.
    case cancelled
    /// Given back unfinished (daemon shutting down): back to `new/`, not counted as an attempt.
    case requeued(reason: String)

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
        case .failure(let error as JobValidationError):
            return .failed(
                JobFailure(
                    jobID: jobID, code: .invalidJob, reason: error.description, field: error.field,
                    validationCode: error.code, attempts: attempt, worker: worker, failedAt: time))
        case .failure(let error):
            return .failed(
                JobFailure(
                    jobID: jobID, code: .renderError, reason: "\(error)", attempts: attempt,
                    worker: worker, failedAt: time))
        }
    }
}

extension Spool {
    /// Carries out `outcome` for a job this worker holds. Throws `leaseLost` if the job is no longer
    /// ours (nothing is moved then).
    public func finish(_ claim: ClaimedJob, outcome: JobOutcome) throws {
        let id = claim.id
        try checkOwnership(claim)
        switch outcome {
        case .completed:
            guard try SpoolFiles.moveReplacing(jobPath(.work, id), to: jobPath(.done, id)) else {
                throw SpoolError.leaseLost(jobID: id, detail: "work/\(id).json vanished before completion")
            }
        case .failed(let failure):
            try moveToFailed(claim, failure: failure)
        case .cancelled:
            try moveToFailed(
                claim,
                failure: JobFailure(
                    jobID: id, code: .cancelled, reason: "cancelled",
                    attempts: claim.attempt, worker: claim.lease.worker.id, failedAt: clock.now()))
        case .requeued:
            try writeAttempts(max(claim.attempt - 1, 0), id: id)
            guard try SpoolFiles.moveExclusive(jobPath(.work, id), to: jobPath(.new, id)) else {
                try moveToFailed(
                    claim,
                    failure: JobFailure(
                        jobID: id, code: .duplicateID,
                        reason: "could not requeue: another new/\(id).json was queued meanwhile",
                        attempts: claim.attempt, worker: claim.lease.worker.id, failedAt: clock.now()))
                return
            }
        }
        SpoolFiles.remove(leasePath(id))
        SpoolFiles.remove(progressPath(id))
        if case .requeued = outcome { events(.finished(jobID: id, outcome: outcome)); return }
        SpoolFiles.remove(cancelPath(id))
        SpoolFiles.remove(attemptsPath(id))
        if outcome != .completed { removeOutputDirectoryIfEmpty(jobID: id) }
        events(.finished(jobID: id, outcome: outcome))
    }

    /// Removes `out/<id>/` when it holds no output (only dotfiles such as the render fingerprint),
    /// so a job that failed before its first image leaves no empty directory behind.
    func removeOutputDirectoryIfEmpty(jobID id: String) {
        let directory = path(.out, id)
        guard SpoolFiles.info(directory)?.kind == .directory, let names = try? SpoolFiles.names(in: directory),
            names.allSatisfy({ $0.hasPrefix(".") && SpoolFiles.info(directory + "/" + $0)?.kind == .regular })
        else { return }
        for name in names { SpoolFiles.remove(directory + "/" + name) }
        rmdir(directory)
    }

    private func moveToFailed(_ claim: ClaimedJob, failure: JobFailure) throws {
        try writeJSON(failure, to: errorPath(claim.id))
        guard try SpoolFiles.moveReplacing(jobPath(.work, claim.id), to: jobPath(.failed, claim.id)) else {
            throw SpoolError.leaseLost(jobID: claim.id, detail: "work/\(claim.id).json vanished before it could be failed")
        }
    }

    /// Throws `leaseLost` unless `work/<id>.json` exists and the lease (if present) carries our token.
    func checkOwnership(_ claim: ClaimedJob) throws {
        guard SpoolFiles.info(jobPath(.work, claim.id)) != nil else {
            throw SpoolError.leaseLost(jobID: claim.id, detail: "work/\(claim.id).json is gone (requeued or finished by another worker)")
        }
        if let lease = readJSON(Lease.self, from: leasePath(claim.id)), lease.token != claim.lease.token {
            throw SpoolError.leaseLost(jobID: claim.id, detail: "the lease now belongs to \(lease.worker.id) (attempt \(lease.attempt))")
        }
    }

    /// Refreshes the lease. Call well within `leaseTimeout`; on `leaseLost`, stop rendering.
    @discardableResult
    public func heartbeat(_ claim: inout ClaimedJob) throws -> Lease {
        try checkOwnership(claim)
        claim.lease.heartbeatAt = clock.now()
        try writeJSON(claim.lease, to: leasePath(claim.id))
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
        try writeJSON(progress, to: progressPath(claim.id))
        return progress
    }

    /// True once `kac cancel` asked to stop this job; the renderer checks between images.
    public func isCancelRequested(jobID: String) -> Bool {
        JobID.isValid(jobID) && SpoolFiles.info(cancelPath(jobID)) != nil
    }

    /// Output files already in `out/<id>/` (sorted; dotfiles and `result.json` excluded).
    public func completedOutputs(jobID: String) throws -> [String] {
        let directory = try outputDirectory(jobID: jobID)
        guard SpoolFiles.info(directory)?.kind == .directory else { return [] }
        return try SpoolFiles.names(in: directory)
            .filter { !$0.hasPrefix(".") && $0 != "result.json" && SpoolFiles.info(directory + "/" + $0)?.kind == .regular }
            .sorted()
    }

    /// The path for output `name` of a held job; `name` must be a plain file name.
    public func outputPath(_ claim: ClaimedJob, name: String) throws -> String {
        guard JobID.isValidName(name), name != "result.json" else { throw SpoolError.invalidOutputName(name) }
        return claim.outputDirectory + "/" + name
    }

    /// Writes one output atomically (rerunning writes identical bytes to the same name).
    public func writeOutput(_ bytes: [UInt8], name: String, for claim: ClaimedJob) throws {
        try writeBytes(bytes, to: try outputPath(claim, name: name))
    }

    /// Writes `out/<id>/result.json` from any Codable value (sorted keys, ISO 8601 dates).
    public func writeResult(_ result: some Encodable, for claim: ClaimedJob) throws {
        try writeJSON(result, to: claim.outputDirectory + "/result.json")
    }
}
