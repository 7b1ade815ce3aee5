// `kac bench`: measures the machine's sgemm peak, the reference UNet's forward, backward and
// training-step throughput, the bf16 peak and bf16 forward rows (BenchCommand+BF16) and PNG encode throughput, and prints them as one table, headed by the
// thread count and where it came from. Timings are best-of-N wall clock, so a
// busy neighbour makes numbers worse, never better; run it on a quiet machine for reference values.
// Process CPU time is reported beside them: on a shared machine, images per CPU-second × threads
// is a steadier estimate of what an idle machine would do than the wall clock.
import ArgumentParser
import Foundation
import NeuralNet
import TensorCore

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
        let cores = Double(budget.threads)
        AllocatorTuning.retainLargeBlocks()
        var random = RandomSource(seed: 2024)
        let network = UNet(configuration: .fashionMNIST, random: &random)
        if let microBatch { network.microBatchSize = microBatch }
        let flops = Double(network.flopsPerImageForward)
        print("threads: \(budget)")
        print("OpenBLAS core: \(BLAS.coreName), threads: \(BLAS.threadCount)")
        if let advice = BLAS.kernelAdvice() { print("note: \(advice)") }
        if let load = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) {
            print("load average at start: \(load.split(separator: " ").prefix(3).joined(separator: " "))")
        }
        print(
            String(
                format: "Reference UNet: %d parameters, %.3f GFLOP per image forward",
                network.parameters.scalarCount, flops / 1e9))
        let peak = measureGemmPeak(size: gemmSize)
        print(String(format: "sgemm %d×%d×%d peak: %.1f GFLOP/s (best of %d)\n", gemmSize, gemmSize, gemmSize, peak, repetitions))

        print(
            "batch  fwd img/s  fwd GFLOP/s  fwd %peak  fwd+bwd img/s  bwd/fwd  fwd+bwd GFLOP/s  fwd+bwd %peak  fwd+bwd img/CPU-s×\(budget.threads)"
        )
        for batch in batches {
            let (x, times, labels, target) = Self.inputs(batch: batch)
            let forwardTiming = best(of: repetitions) { _ = network.velocity(x, times: times, labels: labels) }
            let trainingTiming = best(of: repetitions) {
                _ = network.lossAndGradients(x, times: times, labels: labels, target: target)
            }
            let (forward, training) = (forwardTiming.wall, trainingTiming.wall)
            let backward = max(training - forward, 0)
            let forwardRate = flops * Double(batch) / forward / 1e9
            let trainingRate = 3 * flops * Double(batch) / training / 1e9
            print(
                String(
                    format: "%5d  %9.1f  %11.1f  %8.1f%%  %13.1f  %7.2f  %15.1f  %12.1f%%  %19.1f",
                    batch, Double(batch) / forward, forwardRate, 100 * forwardRate / peak,
                    Double(batch) / training, backward / forward, trainingRate, 100 * trainingRate / peak,
                    cores * Double(batch) / trainingTiming.cpu))
        }
        print("GFLOP/s are nominal: direct-convolution FLOPs (flopsPerImageForward), backward counted as 2× forward.")
        print("3×3 convolutions run as Winograd F(2×2,3×3), which does ~2.25× fewer multiplications, so the")
        print("nominal rate can exceed the sgemm peak.\n")
        try bf16Rows(network: network, fp32Peak: peak, threads: budget.threads)

        let (x, times, labels, target) = Self.inputs(batch: trainingBatch)
        var adam = Adam(for: network.parameters, learningRate: 1e-4)
        let step = best(of: repetitions) {
            let (_, gradients) = network.lossAndGradients(x, times: times, labels: labels, target: target)
            adam.update(&network.parameters, gradients: gradients, clippingNormTo: 1)
        }
        print(
            String(
                format: "training step (forward + backward + Adam, clip 1) at batch %d: %.3f s, %.1f images/s",
                trainingBatch, step.wall, Double(trainingBatch) / step.wall))
        print(
            String(
                format: "  CPU time %.3f s per step: %.1f images per CPU-second × %d thread%@", step.cpu,
                cores * Double(trainingBatch) / step.cpu, budget.threads, budget.threads == 1 ? "" : "s"))

        let encode = try EncodeBench(count: encodes).run()
        print(
            String(
                format: "PNG encode (libvips, with provenance): 28×28 %.0f images/s; 112×112 (×4 nearest + encode) "
                    + "%.0f images/s; RSS %d kB → %d kB over %d encodes", encode.small, encode.large, encode.residentBefore,
                encode.residentAfter, encodes))
        let workers = try EncodeBench(count: encodes).workerComparison()
        print(
            "  28×28 by libvips worker threads per image: "
                + workers.map { String(format: "%d: %.0f µs CPU each, %.0f images/s", $0.workers, $0.microseconds, $0.perSecond) }
                .joined(separator: "; ") + " (renders use 1)")
    }

    static func inputs(batch: Int) -> (Tensor, [Float], [Int], Tensor) {
        var random = RandomSource(seed: 7)
        let c = UNetConfiguration.fashionMNIST
        let shape = [batch, c.imageHeight, c.imageWidth, c.imageChannels]
        let count = shape.reduce(1, *)
        let x = Tensor(shape: shape, scalars: (0..<count).map { _ in Float(random.normal()) })
        let target = Tensor(shape: shape, scalars: (0..<count).map { _ in Float(random.normal()) })
        let times = (0..<batch).map { _ in Float(random.uniform()) }
        let labels = (0..<batch).map { _ in random.index(below: c.classCount + 1) }
        return (x, times, labels, target)
    }

    /// Best wall-clock and best process-CPU seconds of `repetitions` runs after one warm-up run.
    func best(of repetitions: Int, _ body: () -> Void) -> (wall: Double, cpu: Double) {
        body()
        var fastest = (wall: Double.infinity, cpu: Double.infinity)
        for _ in 0..<max(repetitions, 1) {
            let (start, startCPU) = (DispatchTime.now().uptimeNanoseconds, Self.processCPUSeconds())
            body()
            fastest.wall = min(fastest.wall, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            fastest.cpu = min(fastest.cpu, Self.processCPUSeconds() - startCPU)
        }
        return fastest
    }

    /// CPU time used so far by all threads of this process.
    static func processCPUSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    func measureGemmPeak(size n: Int) -> Double {
        var random = RandomSource(seed: 1)
        let a = (0..<(n * n)).map { _ in Float(random.uniform()) }
        let b = (0..<(n * n)).map { _ in Float(random.uniform()) }
        var c = [Float](repeating: 0, count: n * n)
        let seconds = best(of: repetitions) {
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
