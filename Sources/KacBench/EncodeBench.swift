// The encode row of `kac-bench network`: PNG throughput through libvips for a 28×28 image and for a 112×112
// one (×4 nearest upscale + encode), with the provenance metadata a render writes, and resident
// memory before and after, which stays flat if every VipsImage and libvips buffer is released; then
// the 28×28 encode's CPU time with libvips' default worker threads per pipeline against one (the
// renderers' setting, PipelineThreads), since the writer thread shares the CPUs with sampling.
import Foundation
import Imaging

struct EncodeBench {
    /// Encodes timed per size; the large row runs a fifth as many.
    let count: Int

    /// Images per second for 28×28 and for 112×112 (upscale + encode), and VmRSS before/after in kB.
    func run() throws -> (small: Double, large: Double, residentBefore: Int, residentAfter: Int) {
        let (raster, metadata) = try Self.smallImage()
        let encodeSmall = { _ = try ImageEncoder.encode(raster, as: .png(), metadata: metadata) }
        for _ in 0..<max(count / 20, 1) { try encodeSmall() }  // warm-up

        let residentBefore = BenchClock.residentKilobytes()
        let small = try Self.rate(count, encodeSmall)
        let residentAfter = BenchClock.residentKilobytes()
        let large = try Self.rate(max(count / 5, 1)) {
            _ = try ImageEncoder.encode(try raster.upscaled(by: 4), as: .png(), metadata: metadata)
        }
        return (small, large, residentBefore, residentAfter)
    }

    /// CPU microseconds per 28×28 encode (and images/s) with libvips' worker threads per pipeline as
    /// found, then with one; leaves one set.
    func workerComparison() throws -> [(workers: Int, microseconds: Double, perSecond: Double)] {
        let (raster, metadata) = try Self.smallImage()
        let encodeSmall = { _ = try ImageEncoder.encode(raster, as: .png(), metadata: metadata) }
        var rows: [(workers: Int, microseconds: Double, perSecond: Double)] = []
        for setting in ["as found", "one"] {
            if setting == "one" { try PipelineThreads.useOnePerImage() }
            for _ in 0..<max(count / 20, 1) { try encodeSmall() }  // warm-up
            let cpuBefore = BenchClock.processCPUSeconds()
            let perSecond = try Self.rate(count, encodeSmall)
            rows.append((PipelineThreads.current, (BenchClock.processCPUSeconds() - cpuBefore) / Double(count) * 1e6, perSecond))
        }
        return rows
    }

    /// The 28×28 grey image both rows encode (a ramp over the whole range) and a render's provenance.
    private static func smallImage() throws -> (Raster, ImageMetadata) {
        let side = 28
        let pixels = (0..<(side * side)).map { Float($0) / Float(side * side - 1) * 2 - 1 }
        let raster = try Raster(quantizing: pixels, width: side, height: side, channels: 1)
        let metadata = try ImageMetadata.provenance(
            model: "fashion-mnist/bench", modelVersion: "1", modelDigest: "sha256-" + String(repeating: "0", count: 64),
            seed: 1, index: 0, label: "sneaker", sampler: "euler", steps: 1, guidance: 1)
        return (raster, metadata)
    }

    /// Calls per second of `body`, over `count` calls.
    private static func rate(_ count: Int, _ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<count { try body() }
        return Double(count) / (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
}
