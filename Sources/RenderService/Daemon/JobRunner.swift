// One claimed job from start to finish: resolve or select the model, render with heartbeats and
// cancel/shutdown checks between batches, write result.json, then let `JobOutcome.decide` pick
// the outcome and `Spool.finish` carry it out. Nothing thrown here escapes: a bad job fails, the
// daemon keeps serving.
import Foundation
import Generation
import Logging
import ModelStore
import Spool
import Vocabulary

/// `out/<job>/result.json`.
public struct JobResult: Codable, Sendable {
    public var schema = 1
    public let jobID: String
    public let worker: String
    public let attempt: Int
    /// What the job asked for: a zoo reference, or a goal such as `quality=fastest`.
    public let requested: String
    public let model: String
    public let modelDigest: String
    /// Present when the daemon chose the model (quality preset or step budget).
    public let selection: ModelSelection?
    public let render: RenderReport
    /// When this attempt claimed the job (pickup latency = claimedAt − time the job entered new/).
    public let claimedAt: Date
    public let loadSeconds: Double
    public let totalSeconds: Double
    public let finishedAt: Date
}

final class JobRunner {
    let spool: Spool
    let cache: ModelCache
    let configuration: DaemonConfiguration
    let state: DaemonState
    let pulse: Pulse
    /// Refreshes this worker's `workers/` record from inside long renders (set by the work loop).
    var announcer: WorkerAnnouncer?

    init(spool: Spool, cache: ModelCache, configuration: DaemonConfiguration, state: DaemonState, pulse: Pulse) {
        self.spool = spool
        self.cache = cache
        self.configuration = configuration
        self.state = state
        self.pulse = pulse
    }

    /// The claim, refreshed by heartbeats from inside the render hooks.
    final class Holder {
        var claim: ClaimedJob
        var lastHeartbeat = Date()
        var heartbeatError: (any Error)?
        /// Images finished before the batch in flight, and when progress was last written.
        var finished = 0
        var lastProgress = Date.distantPast
        init(_ claim: ClaimedJob) { self.claim = claim }
    }

    /// Renders and finishes `claimed`; returns the outcome carried out.
    @discardableResult
    func run(_ claimed: ClaimedJob, logger base: Logger) -> JobOutcome {
        var logger = base
        logger[metadataKey: "job"] = "\(claimed.id)"
        let holder = Holder(claimed)
        state.started(job: claimed.id, total: claimed.job.count)
        logger.info(
            "Claimed job \(claimed.id) (attempt \(claimed.attempt), \(claimed.job.count) images, \(claimed.completedAtClaim.count) outputs already present)."
        )
        let rendered: Result<Void, any Error>
        do {
            try render(holder, logger: logger)
            rendered = .success(())
        } catch {
            rendered = .failure(error)
        }
        let outcome = JobOutcome.decide(
            jobID: claimed.id, rendered: rendered, cancelRequested: spool.isCancelRequested(jobID: claimed.id),
            shuttingDown: state.isStopping, attempt: holder.claim.attempt,
            worker: configuration.worker.id, at: Date())
        // Log what `finish` carried out, which may differ from what was decided (a requeue that had
        // to set a same-named newer file aside says so); nothing is claimed that did not happen.
        let carriedOut: JobOutcome
        do {
            // Logged by the spool's event handler (DaemonEvents), a cancel with the images it kept.
            carriedOut = try spool.finish(holder.claim, outcome: outcome)
        } catch {
            logger.error(
                "Could not record job \(claimed.id) as \(Self.name(outcome)) (\(Self.summary(outcome))): \(error). It stays in work/ until its lease expires and a worker recovers it."
            )
            state.ended(outcome: "unfinished")
            return outcome
        }
        state.ended(outcome: Self.name(carriedOut))
        return carriedOut
    }

    private func render(_ holder: Holder, logger: Logger) throws {
        let started = Date()
        let job = holder.claim.job
        let requested: String
        let manifest: ModelManifest
        var selection: ModelSelection?
        switch job.model {
        case .reference(let reference):
            requested = reference.description
            // A model the zoo does not have is the job's mistake (often a typo), not a render error.
            do { manifest = try cache.resolve(reference) } catch {
                if case .modelNotFound = error { throw JobValidationError(.invalidValue, field: "model", error.description) }
                throw error
            }
        case .quality, .stepBudget:
            let goal = job.modelGoal ?? .best
            let (chosen, chosenManifest) = try select(goal, dataset: job.dataset)
            (requested, manifest, selection) = (chosen.goal, chosenManifest, chosen)
        }
        // The job's precision, else the daemon's; bf16 where the CPU lacks it fails the job (exit of
        // kacd would be wrong: another worker may have it). The bf16 weights stay cached with the model.
        let precision: Precision
        do { precision = try ZooVelocityModel.resolve(job.precision ?? configuration.precision) } catch {
            throw JobValidationError(.invalidValue, field: "precision", error.description)
        }
        let model = try cache.model(manifest).inPrecision(precision)
        let loadSeconds = Date().timeIntervalSince(started)
        if let selection {
            logger.info(
                "Selected \(selection.model) for \(selection.goal) among the models of data set \(selection.dataset) (\(selection.datasetReason)): \(selection.reason)."
            )
            for skipped in selection.skipped {
                logger.warning("The \(selection.goal) choice skipped \(skipped); fix or remove that manifest (kac zoo verify).")
            }
        }
        if let labels = job.labels {
            // Labels are the model's to define: a label it does not have is the job's fault, named as such.
            do { _ = try model.classNames.resolve(labels, model: model.label) } catch {
                throw JobValidationError(.invalidValue, field: "labels", error.description)
            }
        }
        let renderer = Renderer(model: model, batchSize: configuration.batchSize, limits: configuration.spool.limits.renderLimits)
        let plan = try renderer.plan(job.renderRequest, defaults: selection?.settings)
        let control = RenderControl(
            beforeBatch: { [self] finished, _ in
                holder.finished = finished
                try check(holder)
                pulse.beat()
            },
            onStep: { [self] step, steps in
                // Cancel and a lost lease take effect between sampler steps, so a cancelled job
                // stops within one network evaluation instead of finishing its batch.
                if let error = holder.heartbeatError { throw error }
                if spool.isCancelRequested(jobID: holder.claim.id) { throw RenderError.interrupted(reason: "cancelled by kac cancel") }
                heartbeatIfDue(holder)
                pulse.beat()
                reportStepProgress(holder, step: step, steps: steps)
            },
            afterBatch: { [self] completed, total in
                holder.finished = completed
                state.progressed(completed: completed)
                try spool.reportProgress(holder.claim, completed: completed, total: total)
                holder.lastProgress = Date()
                heartbeatIfDue(holder)
            })
        guard let output = holder.claim.output else {
            throw RenderError.outputUnavailable(path: holder.claim.outputDirectory, reason: "the claim did not open it")
        }
        let report = try renderer.render(plan, to: output, control: control)
        let result = JobResult(
            jobID: holder.claim.id, worker: configuration.worker.id, attempt: holder.claim.attempt, requested: requested,
            model: report.model, modelDigest: report.modelDigest, selection: selection, render: report,
            claimedAt: holder.claim.lease.claimedAt, loadSeconds: loadSeconds, totalSeconds: Date().timeIntervalSince(started),
            finishedAt: Date())
        try spool.writeResult(result, for: holder.claim)
        let seconds = String(format: "%.2f", report.timings.totalSeconds)
        logger.info(
            "Rendered \(report.rendered) images (\(report.images.count - report.rendered) kept) with \(report.model) \(report.sampler)×\(report.steps) in \(seconds) s."
        )
    }

    /// The model a preset picks. Which data set to choose among is the job's to say, so a data set
    /// that is unknown or left ambiguous is the job's fault, named as such (field `dataset`).
    private func select(_ goal: SelectionGoal, dataset: DatasetName?) throws -> (ModelSelection, ModelManifest) {
        let result: Result<(ModelSelection, ModelManifest), RenderError>
        do { result = .success(try cache.select(goal, dataset: dataset)) } catch { result = .failure(error) }
        if case .failure(.invalidDataset(let reason)) = result { throw JobValidationError(.invalidValue, field: "dataset", reason) }
        return try result.get()
    }

    /// Stops between batches on cancel, shutdown or a lost lease.
    private func check(_ holder: Holder) throws {
        if let error = holder.heartbeatError { throw error }
        if spool.isCancelRequested(jobID: holder.claim.id) { throw RenderError.interrupted(reason: "cancelled by kac cancel") }
        if state.isStopping { throw RenderError.interrupted(reason: "worker \(configuration.worker.id) is shutting down") }
        heartbeatIfDue(holder)
    }

    /// Progress within a batch, at most once a second: images finished plus the batch's step.
    private func reportStepProgress(_ holder: Holder, step: Int, steps: Int) {
        guard Date().timeIntervalSince(holder.lastProgress) >= 1 else { return }
        let total = holder.claim.job.count
        // XXX: the batch in flight is assumed full (batch size, or what is left); a resumed job
        // with gaps renders smaller batches, and its ETA is then slightly off until the batch ends.
        let images = max(min(configuration.batchSize, total - holder.finished), 1)
        _ = try? spool.reportProgress(holder.claim, completed: holder.finished, total: total, batch: (images, step, steps))
        holder.lastProgress = Date()
    }

    private func heartbeatIfDue(_ holder: Holder) {
        guard holder.heartbeatError == nil, Date().timeIntervalSince(holder.lastHeartbeat) >= configuration.heartbeatInterval else {
            return
        }
        do {
            try spool.heartbeat(&holder.claim)
            holder.lastHeartbeat = Date()
            announcer?.beat(job: holder.claim.id)
        } catch {
            holder.heartbeatError = error
        }
    }

    static func name(_ outcome: JobOutcome) -> String {
        switch outcome {
        case .completed: "done"
        case .failed: "failed"
        case .cancelled: "cancelled"
        case .requeued: "requeued"
        }
    }

    static func summary(_ outcome: JobOutcome) -> String {
        switch outcome {
        case .completed: "done"
        case .failed(let failure): "failed [\(failure.code.rawValue)]: \(failure.reason)"
        case .cancelled: "cancelled"
        case .requeued(let reason): "requeued: \(reason)"
        }
    }
}
