// `kac render-bench`: images per second of the whole render path (sampling, quantising, PNG
// encoding, atomic writes) at 1, 2, 4 and 100 steps, unguided and guided, for each given model, in
// fp32 and (where the CPU has it) bf16; the last column is the speed-up over the row's first precision.
// One run per row, wall clock, into a temporary directory that is removed afterwards.
import ArgumentParser
import Foundation
import Generation
import ModelStore
import NeuralNet
import RenderService
import TensorCore
import Training
import Vocabulary

struct RenderBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render-bench",
        abstract: "Measure kac render throughput (images/s) at several step counts, with and without guidance.")

    @Option(help: "Zoo references to measure (repeat the option for several).") var model: [String] = ["fashion-mnist/teacher"]
    @OptionGroup var zoo: ZooLocation
    @Option(help: "Comma-separated step counts.") var steps = "1,2,4,100"
    @Option(help: "Images per row (one batch of this size when --batch-size is at least as large).") var count = 16
    @Option(name: .customLong("batch-size"), help: "Images per sampler batch.") var batchSize = 16
    @Option(help: "Guidance scale of the guided rows (default: the model's, or 2 when that is 1).") var guidance: Double?
    @Option(help: "Comma-separated precisions (fp32, bf16); bf16 is skipped on CPUs without AVX512_BF16.") var precisions = "fp32,bf16"

    @OptionGroup var threads: ThreadOptions

    func run() throws {
        threads.install()
        RenderProcess.tune()
        let stepCounts = steps.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }.filter { $0 > 0 }
        guard !stepCounts.isEmpty else { throw ValidationError("--steps needs positive integers, e.g. 1,2,4,100") }
        var chosen: [Precision] = []
        for word in precisions.split(separator: ",") {
            guard let precision = Precision(rawValue: word.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("--precisions takes fp32 and bf16, e.g. fp32,bf16")
            }
            if precision == .bf16, !ZooVelocityModel.bf16Available {
                print("# bf16 skipped: \(ZooVelocityModel.bf16Unavailable ?? PrecisionUnavailable())")
                continue
            }
            chosen.append(precision)
        }
        guard !chosen.isEmpty else { throw ValidationError("no precision left to measure") }
        print("# OpenBLAS kernel \(BLAS.coreName), \(ThreadBudget.current.threads) threads, bf16 on \(BF16.hasAMX ? "AMX" : "AVX512_BF16")")
        let store = try zoo.open(create: false)
        let scratch = NSTemporaryDirectory() + "kac-render-bench-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        print("model                           sampler  steps  guidance  precision  images  seconds  images/s  NFE/image  speed-up")
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
                        print(
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
