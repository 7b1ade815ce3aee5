// One software string everywhere (issue 12, item 11): every format's metadata — PNG tEXt, the XMP
// packet and the EXIF ImageDescription of JPEG and WebP, TIFF's description — says
// `KacVersion.software`, and grid.png carries the request's provenance too.
import Foundation
import Generation
import Imaging
import ModelStore
import RenderService
import TestSupport
import Testing
import Vocabulary

@Suite struct ProvenanceTests {
    @Test(arguments: [ImageEncoding.png(), .jpeg(quality: 90), .webp(quality: 80, lossless: false), .tiff])
    func everyFormatAndTheGridSayTheSameSoftware(encoding: ImageEncoding) throws {
        let zoo = TemporaryDirectory(prefix: "kac-provenance-zoo")
        let manifest = try TinyModel.publish(into: zoo.path)
        let store = try ModelStore(root: zoo.path, create: false)
        let renderer = Renderer(model: try ZooVelocityModel.load("fashion-mnist/teacher", from: store), batchSize: 4)
        let out = TemporaryDirectory(prefix: "kac-provenance-out")
        let request = RenderRequest(count: 3, labels: [.name("sneaker"), .name("bag")], steps: 1, seed: 11, encoding: encoding, grid: true)
        let report = try renderer.render(try renderer.plan(request), into: out.path)
        for image in report.images {
            let info = try ImageReader.info(path: out.path + "/" + image.file)
            #expect(info.metadata["software"] == KacVersion.software, "\(image.file): \(info.metadata)")
            #expect(info.metadata["index"] == String(image.index) && info.metadata["model-digest"] == manifest.blob.description)
            if let exif = info.exifDescription {
                #expect(ImageMetadata.parse(lines: exif) == info.metadata, "EXIF of \(image.file): \(exif)")
            }
        }
        if case .jpeg = encoding { #expect(try ImageReader.info(path: out.path + "/" + report.images[0].file).exifDescription != nil) }
        let grid = try ImageReader.info(path: out.path + "/grid.png").metadata
        #expect(grid["software"] == KacVersion.software)
        #expect(
            grid["model"] == "fashion-mnist/teacher" && grid["model-version"] == "1" && grid["model-digest"] == manifest.blob.description)
        #expect(grid["seed"] == "11" && grid["labels"] == "sneaker,bag" && grid["images"] == "3" && grid["steps"] == "1")
    }
}
