// `kac render`: a zoo model straight to files. Everything is checked before anything is written
// (the precision this CPU can run, the model, labels, count, scale, the output directory); then
// the plan is rendered in batches by `Renderer`. Failures before the first image are `RenderError`s.
import Generation
import ModelStore
import Vocabulary

public struct DirectRender {
    public var model: String
    public var precision: PrecisionSetting
    public var batchSize: Int
    public var limits: RenderLimits
    /// The output directory (created if missing).
    public var output: String

    public init(model: String, precision: PrecisionSetting, batchSize: Int, limits: RenderLimits, output: String) {
        (self.model, self.precision, self.batchSize, self.limits, self.output) = (model, precision, batchSize, limits, output)
    }

    /// Renders `request`. `log` hears the precision measured (auto) and the line saying what is
    /// rendered; `started` the number of images, before the first batch; `afterBatch` the images done.
    public func run(
        _ request: RenderRequest, openStore: () throws -> ModelStore, log: (String) -> Void, started: (Int) -> Void,
        afterBatch: @escaping (Int) -> Void
    ) throws -> RenderReport {
        // The capability is read once, before the model is loaded; the model takes its answer.
        let decision: PrecisionDecision
        do { decision = try ZooVelocityModel.decide(precision) } catch {
            throw RenderError.invalidRequest("--precision \(precision): \(error.description)")
        }
        let loaded: ZooVelocityModel
        do {
            let chosen = try ZooVelocityModel.load(model, from: try openStore()).resolvingPrecision(decision)
            if let measured = chosen.measured { log("kac render: \(measured)") }
            loaded = chosen.model
        } catch {
            throw RenderError.loading(model, error)
        }
        let renderer = Renderer(model: loaded, batchSize: batchSize, limits: limits)
        let plan = try renderer.plan(request)
        try OutputDirectory.prepare(output)
        log(
            "rendering \(plan.images.count) images with \(loaded.label) (\(plan.settings.integrator.rawValue), "
                + "\(plan.settings.steps) steps, guidance \(plan.settings.guidance), seed \(request.seed), \(plan.precision.rawValue)) into \(output)"
        )
        started(plan.images.count)
        return try renderer.render(plan, into: output, control: RenderControl(afterBatch: { done, _ in afterBatch(done) }))
    }
}
