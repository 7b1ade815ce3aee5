// `kac bench`: the machine's sgemm peak, the reference UNet's forward/backward/training throughput,
// the bf16 rows and PNG encode throughput (KacBench.NetworkBench), printed as measured.
import ArgumentParser
import KacBench

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure sgemm peak and UNet forward/backward/training throughput on this machine.")

    @Option(help: "Batch sizes for the forward and forward+backward rows.")
    var batches: [Int] = [1, 16, 64]

    @Option(help: "Batch size of the training-step row (forward + backward + Adam).")
    var trainingBatch: Int = 128

    @Option(help: "Timed repetitions per measurement (the best is reported).")
    var repetitions: Int = 3

    @Option(help: "Images per internal UNet pass (default: the network's own choice).")
    var microBatch: Int?

    @Option(help: "Size of the square sgemm used to measure the peak.")
    var gemmSize: Int = 2048

    @Option(help: "PNG encodes timed in the 28×28 encode row (the 112×112 row runs a fifth as many).")
    var encodes: Int = 10_000

    @OptionGroup var threads: ThreadOptions

    func validate() throws {
        guard batches.allSatisfy({ $0 >= 1 }), trainingBatch >= 1, gemmSize >= 1, encodes >= 1 else {
            throw ValidationError("--batches, --training-batch, --gemm-size and --encodes must be at least 1")
        }
    }

    func run() throws {
        let budget = threads.install()
        var settings = NetworkBench.Settings()
        (settings.batches, settings.trainingBatch, settings.repetitions) = (batches, trainingBatch, repetitions)
        (settings.microBatch, settings.gemmSize, settings.encodes) = (microBatch, gemmSize, encodes)
        try NetworkBench(settings: settings, budget: budget).run { print($0) }
    }
}
