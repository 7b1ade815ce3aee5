// `kac-bench render`: images per second of the whole render path at several step counts, unguided
// and guided, per model and precision (KacBench.RenderBench); bf16 is left out with a note on CPUs
// without AVX512_BF16.
import ArgumentParser
import Generation
import KacBench
import RenderService
import ToolSupport
import Vocabulary

struct RenderBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
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
        let bench = RenderBench(
            models: model, store: try zoo.open(create: false), steps: stepCounts, count: count, batchSize: batchSize,
            guidance: guidance, precisions: chosen)
        try bench.run { print($0) }
    }
}
