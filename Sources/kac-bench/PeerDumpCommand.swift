// `kac-bench peer-dump`: the Swift half of bench/pytorch_peer.py (KacBench.PeerDump): dump the reference
// UNet's weights, a batch and its output, and/or time it, one `PEER ...` line per measurement.
import ArgumentParser
import KacBench
import ToolSupport

struct PeerDumpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "peer-dump",
        abstract: "Dump reference UNet weights/input/output and time it (for bench/pytorch_peer.py).")

    @Option(help: "Write weights, input and output here (safetensors).") var output: String?
    @Option(help: "Images in the dumped reference batch (more than 16 exercises micro-batching).") var batch: Int = 20
    @Option(help: "Seed of the random weights and of the inputs.") var seed: UInt64 = 1
    @Option(help: "Load weights from this training checkpoint instead of drawing random ones.") var checkpoint: String?
    @Option(help: "Name prefix of the weights inside --checkpoint (model. or ema.).") var prefix: String = "model."
    @Option(parsing: .upToNextOption, help: "Batch sizes to time (none: no timing).") var batches: [Int] = []
    @Option(help: "Timed repetitions per measurement, after one warm-up (the best is printed).") var repetitions: Int = 3
    @Flag(help: "Also time forward+backward (lossAndGradients, MSE loss).") var backward = false
    @Flag(help: "Time the forward pass in bf16 (needs AVX512_BF16; the dump stays fp32).") var bf16 = false
    @OptionGroup var threads: ThreadOptions

    func run() throws {
        threads.install()
        var dump = PeerDump()
        (dump.output, dump.batch, dump.seed, dump.checkpoint, dump.prefix) = (output, batch, seed, checkpoint, prefix)
        (dump.batches, dump.repetitions, dump.backward, dump.bf16) = (batches, repetitions, backward, bf16)
        try dump.run { print($0) }
    }
}
