// `kac-bench render`: images per second of the whole render path (sampling, quantising, PNG
// encoding, atomic writes) at several step counts, unguided and guided, for each given model, in
// each given precision; the last column is the speed-up over the row's first precision.
// One run per row, wall clock, into a temporary directory that is removed afterwards.
import Foundation
import Generation
import ModelStore
import RenderService
import TensorCore
import Vocabulary

public struct RenderBench {
    /// Zoo references to measure.
    public var models: [String]
    /// The store they are resolved in.
    public var store: ModelStore
    /// Step counts, each at least 1.
    public var steps: [Int]
    /// Images per row (one batch of this size when `batchSize` is at least as large).
    public var count: Int
    /// Images per sampler batch.
    public var batchSize: Int
    /// Guidance scale of the guided rows (nil: the model's, or 2 when that is 1).
    public var guidance: Double?
    /// Precisions to measure, in order; the caller leaves out any the CPU cannot run.
    public var precisions: [Precision]

    public init(
        models: [String], store: ModelStore, steps: [Int], count: Int, batchSize: Int, guidance: Double?, precisions: [Precision]
    ) {
        (self.models, self.store, self.steps, self.count) = (models, store, steps, count)
        (self.batchSize, self.guidance, self.precisions) = (batchSize, guidance, precisions)
    }

    /// Measures every row, handing each line of the table to `say` as soon as it is measured.
    public func run(_ say: (String) -> Void) throws {
        guard !steps.isEmpty, steps.allSatisfy({ $0 > 0 }) else { throw BenchError.invalidSetting("--steps needs positive integers, e.g. 1,2,4,100") }
        guard !precisions.isEmpty else { throw BenchError.invalidSetting("no precision left to measure") }
        let (model, chosen, stepCounts) = (models, precisions, steps)
        say("# OpenBLAS kernel \(BLAS.coreName), \(ThreadBudget.current.threads) threads, bf16 on \(BF16.hasAMX ? "AMX" : "AVX512_BF16")")
        let scratch = NSTemporaryDirectory() + "kac-render-bench-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        say("model                           sampler  steps  guidance  precision  images  seconds  images/s  NFE/image  speed-up")
        for reference in model {
            let loaded = try ZooVelocityModel.load(reference, from: store)
            // Weights rounded to bf16 once, before any row is timed (as a daemon's model cache does).
            let renderers = try chosen.map { Renderer(model: try loaded.inPrecision($0), batchSize: batchSize) }
            let guided = guidance ?? (loaded.defaults.guidance == 1 ? 2 : loaded.defaults.guidance)
            // One untimed render per precision and guidance first: bf16 prepares a oneDNN primitive per
            // GEMM shape on first use (a model cache keeps them), which is not throughput.
            for renderer in renderers {
                for scale in [1.0, guided] {
                    let directory = scratch + "/warm-up-\(scale)-\(renderer.model.precision.rawValue)"
                    try OutputDirectory.prepare(directory)
                    _ = try renderer.render(try renderer.plan(RenderRequest(count: batchSize, steps: 1, guidance: scale, seed: 1)), into: directory)
                }
            }
            for stepCount in stepCounts {
                for scale in [1.0, guided] {
                    var first: Double?
                    for renderer in renderers {
                        let directory = scratch + "/\(stepCount)-\(scale)-\(renderer.model.precision.rawValue)"
                        try OutputDirectory.prepare(directory)
                        let plan = try renderer.plan(RenderRequest(count: count, steps: stepCount, guidance: scale, seed: 1))
                        let report = try renderer.render(plan, into: directory)
                        let name = loaded.label.padding(toLength: 30, withPad: " ", startingAt: 0)
                        let sampler = plan.settings.integrator.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0)
                        let rate = report.imagesPerSecond
                        first = first ?? rate
                        say(
                            name + "  " + sampler
                                + String(
                                    format: "  %5d  %8.2f  %9@  %6d  %7.2f  %8.1f  %9d  %7.2f×", stepCount, scale,
                                    plan.precision.rawValue, count, report.timings.totalSeconds, rate,
                                    report.networkEvaluations / max(report.generated, 1), rate / max(first ?? rate, 1e-9)))
                    }
                }
            }
        }
    }
}
