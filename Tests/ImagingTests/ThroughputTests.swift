// A benchmark, not a timed assertion: prints PNG encode throughput for 28×28 images and for
// 112×112 (×4 nearest upscale + encode), and the resident-memory growth over 10 000 encodes, which
// should stay near zero if every VipsImage and libvips buffer is released.
import Foundation
import Imaging
import Testing

@Suite struct ThroughputTests {
    @Test func pngEncodeThroughputAndMemory() throws {
        let raster = try Fixtures.raster()
        let metadata = try Fixtures.provenance()
        for _ in 0..<500 { _ = try ImageEncoder.encode(raster, as: .png(), metadata: metadata) }  // warm-up

        let residentBefore = residentKilobytes()
        let smallCount = 10_000
        var start = Date()
        var totalBytes = 0
        for _ in 0..<smallCount { totalBytes += try ImageEncoder.encode(raster, as: .png(), metadata: metadata).count }
        let smallRate = Double(smallCount) / Date().timeIntervalSince(start)
        let residentAfter = residentKilobytes()

        let largeCount = 2_000
        start = Date()
        for _ in 0..<largeCount {
            totalBytes += try ImageEncoder.encode(try raster.upscaled(by: 4), as: .png(), metadata: metadata).count
        }
        let largeRate = Double(largeCount) / Date().timeIntervalSince(start)

        print(String(format: "[imaging-benchmark] PNG 28x28: %.0f images/s; 112x112 (x4 nearest + encode): %.0f images/s; "
            + "RSS %d kB -> %d kB over %d encodes", smallRate, largeRate, residentBefore, residentAfter, smallCount))
        #expect(totalBytes > 0)
    }

    /// VmRSS from /proc/self/status in kB (0 where unavailable).
    private func residentKilobytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return 0 }
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }
}
