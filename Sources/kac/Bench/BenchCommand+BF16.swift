// The bf16 rows of `kac bench`: the bf16 GEMM peak (a square product through oneDNN, the rows split
// over the thread budget as the network's layers split theirs, plus the vdpbf16ps register ceiling)
// and the reference UNet's forward pass in bf16 beside fp32 at the same batch sizes.
import Dispatch
import Foundation
import NeuralNet
import TensorCore

extension BenchCommand {
    func bf16Rows(network: UNet, fp32Peak: Double, threads: Int) throws {
        guard BF16.isSupported else {
            print("bf16: skipped, this CPU lacks AVX512_BF16\n")
            return
        }
        let dotPeak = BF16.measureDotPeak() * Double(threads)
        let (gemmPeak, kernel) = try measureBF16GemmPeak(size: gemmSize, threads: threads)
        print(
            String(
                format: "bf16 %d×%d×%d peak: %.1f GFLOP/s (%.2f× the sgemm peak; oneDNN %@); vdpbf16ps register ceiling %.1f GFLOP/s",
                gemmSize, gemmSize, gemmSize, gemmPeak, gemmPeak / fp32Peak, kernel, dotPeak / 1e9))
        var random = RandomSource(seed: 2024)
        let bf16 = UNet(configuration: network.configuration, random: &random)
        bf16.parameters = network.parameters
        bf16.microBatchSize = network.microBatchSize
        try bf16.useBF16Inference()
        let flops = Double(network.flopsPerImageForward)
        print("batch  fp32 fwd img/s  bf16 fwd img/s  bf16/fp32  bf16 GFLOP/s  %bf16 peak  bf16/fp32 by CPU time")
        for batch in batches {
            let (x, times, labels, _) = Self.inputs(batch: batch)
            let fp32 = best(of: repetitions) { _ = network.velocity(x, times: times, labels: labels) }
            let low = best(of: repetitions) { _ = bf16.velocity(x, times: times, labels: labels) }
            let rate = flops * Double(batch) / low.wall / 1e9
            print(
                String(
                    format: "%5d  %14.1f  %14.1f  %8.2f×  %12.1f  %9.1f%%  %8.2f×", batch, Double(batch) / fp32.wall,
                    Double(batch) / low.wall, fp32.wall / low.wall, rate, 100 * rate / gemmPeak, fp32.cpu / low.cpu))
        }
        print("bf16 covers the convolutions and attention projections; the rest stays fp32 (docs/design.md, \"bf16 inference\").\n")
    }

    /// GFLOP/s of an n×n×n bf16 product, rows split over `threads` concurrent calls, and oneDNN's kernel name.
    func measureBF16GemmPeak(size n: Int, threads: Int) throws -> (Double, String) {
        var random = RandomSource(seed: 1)
        let a = (0..<(n * n)).map { _ in Float(random.uniform()) }
        let b = (0..<(n * n)).map { _ in Float(random.uniform()) }
        var c = [Float](repeating: 0, count: n * n)
        let matrix = try b.withUnsafeBufferPointer { try BF16Matrix($0.baseAddress!, ldb: n, k: n, n: n) }
        let seconds = best(of: repetitions) {
            a.withUnsafeBufferPointer { a in
                c.withUnsafeMutableBufferPointer { c in
                    let (a, c) = (UncheckedPointers(a.baseAddress!), UncheckedMutablePointers(c.baseAddress!))
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
