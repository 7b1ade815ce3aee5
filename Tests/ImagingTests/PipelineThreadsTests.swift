// PipelineThreads sets libvips' worker threads per pipeline to one (the renderer's setting), and
// images still encode with it.
import Foundation
import Imaging
import Testing

struct PipelineThreadsTests {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["VIPS_CONCURRENCY"] == nil, "VIPS_CONCURRENCY is set"))
    func oneWorkerPerImageAndImagesStillEncode() throws {
        try PipelineThreads.useOnePerImage()
        #expect(PipelineThreads.current == 1)
        let raster = try Raster(width: 28, height: 28, channels: 1, bytes: [UInt8](repeating: 7, count: 28 * 28))
        let png = try ImageEncoder.encode(raster, as: .png())
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
    }
}
