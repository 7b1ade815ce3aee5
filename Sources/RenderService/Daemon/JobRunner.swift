// One claimed job from start to finish: resolve or select the model, render (the heartbeat timer
// keeps the lease fresh meanwhile) with cancel/shutdown/lost-lease checks between sampler steps, write result.json, then let `JobOutcome.decide` pick
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
    /// What the job asked for: a zoo reference, or a goal such as `quality=fastest` (encoded as that text).
    public let requested: ModelChoice
    public let model: String
    public let modelDigest: Digest
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
    /// Refreshes this worker's `workers/` record and the held job's lease on its own thread (set
    /// by the work loop).
    var heartbeats: HeartbeatTimer?
    /// Whether the last job went back to the queue because the disk was full (the loop backs off).
    private(set) var diskWasFull = false

    init(spool: Spool, cache: ModelCache, configuration: DaemonConfiguration, state: DaemonState, pulse: Pulse) {
        self.spool = spool
        self.cache = cache
        self.configuration = configuration
        self.state = state
        self.pulse = pulse
    }

    /// The claim (its lease refreshed by the heartbeat timer) and the render's own bookkeeping.
    final class Holder {
        let held: HeldClaim
        var claim: ClaimedJob { held.claim }
        var heartbeatError: (any Error)? { held.heartbeatError }
        /// Images finished before the batch in flight, and when progress was last written.
        var finished = 0
        var lastProgress = Date.distantPast
        init(_ claim: ClaimedJob) { held = HeldClaim(claim) }
    }

    /// Renders and finishes `claimed`; returns the outcome carried out.
    @discardableResult
    func run(_ claimed: ClaimedJob, logger base: Logger) -> JobOutcome {
        var logger = base
        logger[metadataKey: "job"] = "\(claimed.id)"
        let holder = Holder(claimed)
        heartbeats?.hold(holder.held)
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
        let cancelRequested = spool.isCancelRequested(jobID: claimed.id)
        var outcome = JobOutcome.decide(
            jobID: claimed.id, rendered: rendered, cancelRequested: cancelRequested,
            shuttingDown: state.isStopping, attempt: holder.claim.attempt,
            worker: configuration.worker.id, at: Date())
        diskWasFull = false
        if case .failure(let error as SpoolError) = rendered, error.isDiskFull, !cancelRequested {
            // Transient: nothing is wrong with the job. It goes back to the queue with its images,
            // and the work loop waits before claiming again.
            let kept = (try? holder.claim.output?.completedOutputs().count) ?? 0
            outcome = .requeued(
                reason: Reason(
                    "the disk holding the spool is full", cause: error, joint: .parentheses,
                    then: "; its \(kept) image(s) stay in out/\(claimed.id)/ and it resumes from them when space returns"))
            let said = Reason(
                "Disk full while rendering job \(claimed.id)", cause: error,
                then:
                    ". The job goes back to new/ with its \(kept) image(s) kept, and this worker waits before claiming again; free space on the spool's file system."
            )
            logger.error("\(said)")
            diskWasFull = true
        }
        // Log what `finish` carried out, which may differ from what was decided (a requeue that had
        // to set a same-named newer file aside says so); nothing is claimed that did not happen.
        let carriedOut: JobOutcome
        let final = holder.held.retire()
        defer { heartbeats?.hold(nil) }
        do {
            // Logged by the spool's event handler (DaemonEvents), a cancel with the images it kept.
            carriedOut = try spool.finish(final, outcome: outcome)
        } catch {
            let said = Reason(
                "Could not record job \(claimed.id) as \(JobEnd(outcome)) (\(Self.summary(outcome)))", cause: error,
                then: ". It stays in work/ until its lease expires and a worker recovers it.")
            logger.error("\(said)")
            state.ended(job: claimed.id, .unfinished)
            return outcome
        }
        state.ended(job: claimed.id, JobEnd(carriedOut))
        return carriedOut
    }

    private func render(_ holder: Holder, logger: Logger) throws {
        let started = Date()
        let job = holder.claim.job
        let manifest: ModelManifest
        var selection: ModelSelection?
        switch job.model {
        case .reference(let reference):
            // A model the zoo does not have is the job's mistake (often a typo), not a render error.
            do { manifest = try cache.resolve(reference) } catch {
                if case .modelNotFound = error { throw JobValidationError(.invalidValue, field: "model", Reason(cause: error)) }
                throw error
            }
        case .goal(let goal):
            let (chosen, chosenManifest) = try select(goal, dataset: job.dataset)
            (manifest, selection) = (chosenManifest, chosen)
        }
        // The job's precision, else the daemon's; bf16 where the CPU lacks it fails the job (exit of
        // kacd would be wrong: another worker may have it). The bf16 weights stay cached with the model.
        // auto: the precision measured faster for this model, once per loaded model (logged then).
        // The capability is read once, here, before the model is loaded.
        let setting = job.precision ?? configuration.precision
        let decision: PrecisionDecision
        do { decision = try ZooVelocityModel.decide(setting, probe: configuration.bf16) } catch {
            throw JobValidationError(.invalidValue, field: "precision", Reason(cause: error))
        }
        let chosen = try cache.model(manifest).resolvingPrecision(decision)
        if let measured = chosen.measured { logger.info("Job \(holder.claim.id): \(measured).") }
        let model = chosen.model
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
                throw JobValidationError(.invalidValue, field: "labels", Reason(cause: error))
            }
        }
        let renderer = Renderer(model: model, batchSize: configuration.batchSize, limits: configuration.spool.limits.request)
        let plan = try renderer.plan(job.renderRequest, defaults: selection?.settings)
        let limits = configuration.spool.limits
        let evaluations = plan.settings.estimatedNetworkEvaluations(guidanceInput: model.architecture.hasGuidanceInput)
        let guided = plan.settings.guidance == 1 || model.architecture.hasGuidanceInput ? "" : ", ×2 for guidance \(plan.settings.guidance)"
        if let refusal = limits.workRefusal(
            images: plan.images.count, evaluations: evaluations,
            detail: "\(plan.settings.steps) \(plan.settings.integrator.rawValue) steps of \(model.label)\(guided)")
        {
            throw refusal
        }
        let deadline = started + limits.timeLimit
        let control = RenderControl(
            beforeBatch: { [self] finished, _ in
                holder.finished = finished
                try check(holder)
                try checkTimeLimit(deadline)
                pulse.beat(configuration.worker.id)
            },
            onStep: { [self] step, steps in
                // Cancel and a lost lease take effect between sampler steps, so a cancelled job
                // stops within one network evaluation instead of finishing its batch.
                if let error = holder.heartbeatError { throw error }
                if spool.isCancelRequested(jobID: holder.claim.id) { throw RenderError.interrupted(reason: "cancelled by kac cancel") }
                try checkTimeLimit(deadline)
                pulse.beat(configuration.worker.id)
                reportStepProgress(holder, step: step, steps: steps)
            },
            afterBatch: { [self] completed, total in
                holder.finished = completed
                state.progressed(job: holder.claim.id, completed: completed)
                try spool.reportProgress(holder.claim, completed: completed, total: total)
                holder.lastProgress = Date()
            })
        guard let output = holder.claim.output else {
            throw RenderError.outputUnavailable(path: holder.claim.outputDirectory, reason: "the claim did not open it")
        }
        let report = try renderer.render(plan, to: output, control: control)
        let result = JobResult(
            jobID: holder.claim.id, worker: configuration.worker.id, attempt: holder.claim.attempt, requested: job.model,
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
    }

    /// Stops a job that has rendered past the per-job time limit (kacd `job-time-limit`).
    private func checkTimeLimit(_ deadline: Date) throws {
        guard Date() > deadline else { return }
        throw JobLimitExceeded(
            limit: "time",
            reason:
                "the job rendered longer than this worker's time limit of \(Int(configuration.spool.limits.timeLimit)) s and was stopped; the images written so far stay in out/ — split the job, or raise kacd's job-time-limit setting"
        )
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

    static func summary(_ outcome: JobOutcome) -> String {
        switch outcome {
        case .completed: "done"
        case .failed(let failure): "failed [\(failure.code.rawValue)]: \(failure.reason)"
        case .cancelled: "cancelled"
        case .requeued(let reason): "requeued: \(reason)"
        }
    }
}
