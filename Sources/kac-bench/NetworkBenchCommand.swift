// `kac-bench network`, the default subcommand (`kac-bench` alone runs it): the machine's sgemm peak,
// the reference UNet's forward/backward/training throughput, the bf16 rows, PNG encode throughput
// and a zoo model rendered end to end against its network alone (KacBench.NetworkBench,
// EndToEndBench), printed as measured.
import ArgumentParser
import Foundation
import Generation
import KacBench
import RenderService
import ToolSupport
import Vocabulary

struct NetworkBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "network",
        abstract: "Measure sgemm and bf16 GEMM peaks, UNet forward/backward/training throughput, PNG encodes and end-to-end renders.")

    @Option(help: "Batch sizes for the forward and forward+backward rows.") var batches: [Int] = [1, 16, 64]
    @Option(help: "Batch size of the training-step row (forward + backward + Adam).") var trainingBatch: Int = 128
    @Option(help: "Timed repetitions per measurement (the best is reported).") var repetitions: Int = 3
    @Option(help: "Images per internal UNet pass (default: the network's own choice).") var microBatch: Int?
    @Option(help: "Size of the square sgemm used to measure the peak.") var gemmSize: Int = 2048
    @Option(help: "PNG encodes timed in the 28×28 encode row (the 112×112 row runs a fifth as many).") var encodes: Int = 10_000
    @OptionGroup var zoo: ZooLocation
    @Option(help: "Zoo model of the end-to-end rows, rendered at its own steps and guidance.") var model = "fashion-mnist/student-1"
    @Option(help: "PNG files per end-to-end render (0 skips the end-to-end rows).") var count = 1000

    @Option(name: .customLong("batch-size"), help: "Images per sampler batch in the end-to-end renders (as kac render --batch-size).")
    var batchSize = 16

    @Option(
        name: .customLong("schedule"),
        help: "How the end-to-end renders interleave writing with sampling (repeatable; default: each in turn).")
    var schedules: [RenderSchedule] = RenderSchedule.allCases

    @Option(
        help: ArgumentHelp(
            "Directory the end-to-end renders write into, in a subdirectory of their own removed at the end (default: the system's temporary directory).",
            discussion: "Creating files where many were just deleted costs more on some file systems (ext4 without a journal), so give a directory with no recent deletions for figures that compare."))
    var scratch: String?

    @OptionGroup var threads: ThreadOptions

    func validate() throws {
        guard batches.allSatisfy({ $0 >= 1 }), trainingBatch >= 1, gemmSize >= 1, encodes >= 1, batchSize >= 1 else {
            throw ValidationError("--batches, --training-batch, --gemm-size, --encodes and --batch-size must be at least 1")
        }
        guard count >= 0 else { throw ValidationError("--count must be at least 0 (0 skips the end-to-end rows)") }
        if let scratch {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: scratch, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ValidationError("--scratch \(scratch) is not an existing directory")
            }
        }
    }

    func run() throws {
        let budget = threads.install()
        var settings = NetworkBench.Settings()
        (settings.batches, settings.trainingBatch, settings.repetitions) = (batches, trainingBatch, repetitions)
        (settings.microBatch, settings.gemmSize, settings.encodes) = (microBatch, gemmSize, encodes)
        settings.endToEnd = endToEnd()
        try NetworkBench(settings: settings, budget: budget).run { print($0) }
    }

    /// The end-to-end rows in every precision this CPU runs, or why they are skipped.
    func endToEnd() -> Result<EndToEndBench, NetworkBench.SkippedRows> {
        guard count > 0 else { return .failure(.init(reason: "--count 0")) }
        let precisions: [Precision] = ZooVelocityModel.bf16Available ? [.fp32, .bf16] : [.fp32]
        do {
            let store = try zoo.open(create: false)
            return .success(
                EndToEndBench(
                    store: store, model: model, count: count, batchSize: batchSize, precisions: precisions, repetitions: repetitions,
                    scratchParent: scratch ?? NSTemporaryDirectory(), schedules: schedules))
        } catch {
            let reason = Reason("no zoo at \(zoo.path)", cause: error, joint: .parentheses, then: "; give --zoo PATH")
            return .failure(.init(reason: reason.description))
        }
    }
}

extension RenderSchedule: ExpressibleByArgument {}
