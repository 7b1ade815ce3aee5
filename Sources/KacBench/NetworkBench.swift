// What `kac-bench network` measures: the machine's sgemm peak, the reference UNet's forward, backward and
// training-step throughput, the bf16 peak and bf16 forward rows (NetworkBench+BF16), PNG encode
// throughput and a zoo model's render end to end against its network alone (EndToEndBench),
// printed as one report headed by the thread count and where it came from. Timings are best-of-N wall clock,
// so a busy neighbour makes numbers worse, never better; run it on a quiet machine for reference
// values. Process CPU time is reported beside them: on a shared machine, images per CPU-second ×
// threads is a steadier estimate of what an idle machine would do than the wall clock.
import Foundation
import NeuralNet
import TensorCore

public struct NetworkBench {
    public struct Settings {
        /// Batch sizes of the forward and forward+backward rows.
        public var batches: [Int] = [1, 16, 64]
        /// Batch size of the training-step row (forward + backward + Adam).
        public var trainingBatch = 128
        /// Timed repetitions per measurement (the best is reported).
        public var repetitions = 3
        /// Images per internal UNet pass (nil: the network's own choice).
        public var microBatch: Int?
        /// Size of the square sgemm used to measure the peak.
        public var gemmSize = 2048
        /// PNG encodes timed in the 28×28 encode row (the 112×112 row runs a fifth as many).
        public var encodes = 10_000
        /// The end-to-end rows, or why they are skipped.
        public var endToEnd: Result<EndToEndBench, SkippedRows> = .failure(SkippedRows(reason: "not asked for"))

        public init() {}
    }

    public let settings: Settings
    /// The thread budget the process runs with (already installed).
    public let budget: ThreadBudget

    public init(settings: Settings, budget: ThreadBudget) {
        self.settings = settings
        self.budget = budget
    }

    /// Runs every row, handing each line of the report to `say` as soon as it is measured.
    public func run(_ say: (String) -> Void) throws {
        let cores = Double(budget.threads)
        let repetitions = settings.repetitions
        AllocatorTuning.retainLargeBlocks()
        var random = RandomSource(seed: 2024)
        let network = UNet(configuration: .fashionMNIST, random: &random)
        if let microBatch = settings.microBatch { network.microBatchSize = microBatch }
        let flops = Double(network.flopsPerImageForward)
        say("threads: \(budget)")
        say("OpenBLAS core: \(BLAS.coreName), threads: \(BLAS.threadCount)")
        if let advice = BLAS.kernelAdvice() { say("note: \(advice)") }
        if let load = BenchClock.loadAverage() { say("load average at start: \(load)") }
        say(
            String(
                format: "Reference UNet: %d parameters, %.3f GFLOP per image forward",
                network.parameters.scalarCount, flops / 1e9))
        let n = settings.gemmSize
        let peak = measureGemmPeak(size: n)
        say(String(format: "sgemm %d×%d×%d peak: %.1f GFLOP/s (best of %d)\n", n, n, n, peak, repetitions))

        say(
            "batch  fwd img/s  fwd GFLOP/s  fwd %peak  fwd+bwd img/s  bwd/fwd  fwd+bwd GFLOP/s  fwd+bwd %peak  fwd+bwd img/CPU-s×\(budget.threads)"
        )
        for batch in settings.batches {
            let (x, times, labels, target) = Self.inputs(batch: batch)
            let forwardTiming = BenchClock.best(of: repetitions) { _ = network.velocity(x, times: times, labels: labels) }
            let trainingTiming = BenchClock.best(of: repetitions) {
                _ = network.lossAndGradients(x, times: times, labels: labels, target: target)
            }
            let (forward, training) = (forwardTiming.wall, trainingTiming.wall)
            let backward = max(training - forward, 0)
            let forwardRate = flops * Double(batch) / forward / 1e9
            let trainingRate = 3 * flops * Double(batch) / training / 1e9
            say(
                String(
                    format: "%5d  %9.1f  %11.1f  %8.1f%%  %13.1f  %7.2f  %15.1f  %12.1f%%  %19.1f",
                    batch, Double(batch) / forward, forwardRate, 100 * forwardRate / peak,
                    Double(batch) / training, backward / forward, trainingRate, 100 * trainingRate / peak,
                    cores * Double(batch) / trainingTiming.cpu))
        }
        say("GFLOP/s are nominal: direct-convolution FLOPs (flopsPerImageForward), backward counted as 2× forward.")
        say("3×3 convolutions run as Winograd F(2×2,3×3), which does ~2.25× fewer multiplications, so the")
        say("nominal rate can exceed the sgemm peak.\n")
        try bf16Rows(network: network, fp32Peak: peak, say)

        let (x, times, labels, target) = Self.inputs(batch: settings.trainingBatch)
        var adam = Adam(for: network.parameters, learningRate: 1e-4)
        let step = BenchClock.best(of: repetitions) {
            let (_, gradients) = network.lossAndGradients(x, times: times, labels: labels, target: target)
            adam.update(&network.parameters, gradients: gradients, clippingNormTo: 1)
        }
        say(
            String(
                format: "training step (forward + backward + Adam, clip 1) at batch %d: %.3f s, %.1f images/s",
                settings.trainingBatch, step.wall, Double(settings.trainingBatch) / step.wall))
        say(
            String(
                format: "  CPU time %.3f s per step: %.1f images per CPU-second × %d thread%@", step.cpu,
                cores * Double(settings.trainingBatch) / step.cpu, budget.threads, budget.threads == 1 ? "" : "s"))

        let encode = try EncodeBench(count: settings.encodes).run()
        say(
            String(
                format: "PNG encode (libvips, with provenance): 28×28 %.0f images/s; 112×112 (×4 nearest + encode) "
                    + "%.0f images/s; RSS %d kB → %d kB over %d encodes", encode.small, encode.large, encode.residentBefore,
                encode.residentAfter, settings.encodes))
        let workers = try EncodeBench(count: settings.encodes).workerComparison()
        say(
            "  28×28 by libvips worker threads per image: "
                + workers.map { String(format: "%d: %.0f µs CPU each, %.0f images/s", $0.workers, $0.microseconds, $0.perSecond) }
                .joined(separator: "; ") + " (renders use 1)")
        say("")
        switch settings.endToEnd {
        case .success(let endToEnd): try endToEnd.run(say)
        case .failure(let skipped): say("end to end: skipped, \(skipped.reason)")
        }
    }

    /// Why a block of rows was not measured (a sentence saying what to give to measure it).
    public struct SkippedRows: Error, Sendable {
        public var reason: String
        public init(reason: String) { self.reason = reason }
    }

    /// The seeded batch every `kac-bench network` row uses (seed 7, the reference UNet's shape).
    static func inputs(batch: Int) -> (Tensor, [Float], [Int], Tensor) {
        BenchInputs.draw(batch: batch, seed: 7, configuration: .fashionMNIST)
    }

    func measureGemmPeak(size n: Int) -> Double {
        var random = RandomSource(seed: 1)
        let a = (0..<(n * n)).map { _ in Float(random.uniform()) }
        let b = (0..<(n * n)).map { _ in Float(random.uniform()) }
        var c = [Float](repeating: 0, count: n * n)
        let seconds = BenchClock.best(of: settings.repetitions) {
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    c.withUnsafeMutableBufferPointer { c in
                        guard let a = a.baseAddress, let b = b.baseAddress, let c = c.baseAddress else { return }
                        BLAS.sgemm(
                            transposeA: false, transposeB: false, m: n, n: n, k: n,
                            a: a, lda: n, b: b, ldb: n, beta: 0, c: c, ldc: n)
                    }
                }
            }
        }
        return 2 * Double(n) * Double(n) * Double(n) / seconds.wall / 1e9
    }
}
