import Foundation

// Producing and cancelling jobs. `submit` writes the canonical job file into `tmp/` and moves it
// into `new/` (never replacing a queued job); `cancel` fails a queued job at once, or leaves a
// marker in `cancel/` that the worker holding a running job checks between images.
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// What `cancel` did.
public enum CancelResult: Sendable, Equatable {
    /// The job was queued; it is now in `failed/` with reason "cancelled".
    case cancelledQueued
    /// The job is running; its worker will stop after the current image.
    case requestedRunning
}

extension Spool {
    /// Validates and queues `job`, returning its id (the given one or a fresh `<UTC time>-<hex>`).
    @discardableResult
    public func submit(_ job: RenderJob) throws -> String {
        var job = job
        let id = job.id ?? Self.generateID(at: clock.now())
        guard JobID.isValid(id) else { throw SpoolError.invalidJobID(id) }
        job.id = id
        let bytes = job.jsonBytes()
        _ = try validator.validate(bytes)  // limits of this spool, and proof the encoding round-trips
        if let state = state(ofJob: id) { throw SpoolError.duplicateJobID(id, state: state) }
        let file = Self.jobFile(id)
        try writeBytes(bytes, .state(.tmp), file)
        remove(.attempts, id)
        remove(.cancel, id)
        guard try move(.state(.tmp), file, to: .state(.new), file, exclusive: true) else {
            remove(.state(.tmp), file)
            throw SpoolError.duplicateJobID(id, state: .new)
        }
        return id
    }

    /// Validates job-file bytes (as `kac submit FILE` reads them) and queues the job.
    @discardableResult
    public func submit(fileBytes: [UInt8]) throws -> String {
        try submit(try validator.validate(fileBytes))
    }

    /// Cancels a queued or running job.
    public func cancel(jobID id: String) throws -> CancelResult {
        guard JobID.isValid(id) else { throw SpoolError.invalidJobID(id) }
        // Marker first: a worker that claims the job a moment later still sees it.
        try writeBytes(Array("\(clock.now().formatted(Date.ISO8601FormatStyle()))\n".utf8), .cancel, id)
        let canceller = WorkerIdentity.current(id: "cancel")
        let failedBefore = jobExists(.failed, id) || jobExists(.done, id)
        if jobExists(.new, id), try claim(id: id, as: canceller) == nil, !failedBefore, jobExists(.failed, id) {
            return .cancelledQueued  // claim saw the marker and failed the job as cancelled
        }
        if jobExists(.work, id) { return .requestedRunning }
        remove(.cancel, id)
        for state in SpoolState.allCases where state.isFinished && jobExists(state, id) {
            throw SpoolError.alreadyFinished(id, state: state)
        }
        throw SpoolError.jobNotFound(id)
    }

    static func generateID(at date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let stamp =
            "\(parts.tm_year + 1900)\(two(parts.tm_mon + 1))\(two(parts.tm_mday))-\(two(parts.tm_hour))\(two(parts.tm_min))\(two(parts.tm_sec))"
        return "\(stamp)-\(randomHex(8))"
    }
}
