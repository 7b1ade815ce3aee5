// The bf16 rows of `kac-bench network`: the bf16 GEMM peak (a square product through oneDNN, the rows split
// over the thread budget as the network's layers split theirs, plus the vdpbf16ps register ceiling)
// and the reference UNet's forward pass in bf16 beside fp32 at the same batch sizes.
import Dispatch
import Foundation
import NeuralNet
import TensorCore

extension NetworkBench {
    func bf16Rows(network: UNet, fp32Peak: Double, _ say: (String) -> Void) throws {
        let (threads, repetitions, n) = (budget.threads, settings.repetitions, settings.gemmSize)
        guard BF16.isSupported else {
            say("bf16: skipped, this CPU lacks AVX512_BF16\n")
            return
        }
        let dotPeak = BF16.measureDotPeak() * Double(threads)
        let (gemmPeak, kernel) = try measureBF16GemmPeak(size: n, threads: threads)
        say(
            String(
                format: "bf16 %d×%d×%d peak: %.1f GFLOP/s (%.2f× the sgemm peak; oneDNN %@); vdpbf16ps register ceiling %.1f GFLOP/s",
                n, n, n, gemmPeak, gemmPeak / fp32Peak, kernel, dotPeak / 1e9))
        var random = RandomSource(seed: 2024)
        let bf16 = UNet(configuration: network.configuration, random: &random)
        bf16.parameters = network.parameters
        bf16.microBatchSize = network.microBatchSize
        try bf16.useBF16Inference()
        let flops = Double(network.flopsPerImageForward)
        say("batch  fp32 fwd img/s  bf16 fwd img/s  bf16/fp32  bf16 GFLOP/s  %bf16 peak  bf16/fp32 by CPU time")
        for batch in settings.batches {
            let (x, times, labels, _) = Self.inputs(batch: batch)
            let fp32 = BenchClock.best(of: repetitions) { _ = network.velocity(x, times: times, labels: labels) }
            let low = BenchClock.best(of: repetitions) { _ = bf16.velocity(x, times: times, labels: labels) }
            let rate = flops * Double(batch) / low.wall / 1e9
            say(
                String(
                    format: "%5d  %14.1f  %14.1f  %8.2f×  %12.1f  %9.1f%%  %8.2f×", batch, Double(batch) / fp32.wall,
                    Double(batch) / low.wall, fp32.wall / low.wall, rate, 100 * rate / gemmPeak, fp32.cpu / low.cpu))
        }
        say("bf16 covers the convolutions and attention projections; the rest stays fp32 (docs/design.md, \"bf16 inference\").\n")
    }

    /// GFLOP/s of an n×n×n bf16 product, rows split over `threads` concurrent calls, and oneDNN's kernel name.
    func measureBF16GemmPeak(size n: Int, threads: Int) throws -> (Double, String) {
        var random = RandomSource(seed: 1)
        let a = (0..<(n * n)).map { _ in Float(random.uniform()) }
        let b = (0..<(n * n)).map { _ in Float(random.uniform()) }
        var c = [Float](repeating: 0, count: n * n)
        // n ≥ 1 (the command checks it), so every buffer below has a base address.
        let matrix = try b.withUnsafeBufferPointer { b in
            guard let base = b.baseAddress else { throw BenchError.invalidSetting("the bf16 GEMM size must be at least 1") }
            return try BF16Matrix(base, ldb: n, k: n, n: n)
        }
        let seconds = BenchClock.best(of: settings.repetitions) {
            a.withUnsafeBufferPointer { a in
                c.withUnsafeMutableBufferPointer { c in
                    guard let aBase = a.baseAddress, let cBase = c.baseAddress else { return }
                    let (a, c) = (UncheckedPointers(aBase), UncheckedMutablePointers(cBase))
                    DispatchQueue.concurrentPerform(iterations: threads) { task in
                        let lower = n * task / threads, rows = n * (task + 1) / threads - lower
                        matrix.multiply(m: rows, a: a.pointer + lower * n, lda: n, c: c.pointer + lower * n, ldc: n)
                    }
                }
            }
        }
        return (2 * Double(n) * Double(n) * Double(n) / seconds.wall / 1e9, matrix.implementation)
    }
}

/// Pointers handed to concurrentPerform's tasks, which read (A) or write disjoint rows of (C) them.
private struct UncheckedPointers: @unchecked Sendable {
    let pointer: UnsafePointer<Float>
    init(_ pointer: UnsafePointer<Float>) { self.pointer = pointer }
}

private struct UncheckedMutablePointers: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
    init(_ pointer: UnsafeMutablePointer<Float>) { self.pointer = pointer }
}
