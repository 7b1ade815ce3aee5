// A model that is not Fashion-MNIST, rendered as a user of their own image folder would: a small
// randomly initialised 16×16 RGB UNet of the data set `shapes` (classes circle, square, triangle)
// in a scratch zoo. Every format comes out as 3-band sRGB with the provenance of a grey image, the
// grid too; labels are the model's class names; names that are no safe file name or no ASCII are
// written as a safe file part and %-escaped metadata, and result.json keeps them as they are.
import Foundation
import Generation
import Imaging
import ModelStore
import RenderService
import TestSupport
import Testing
import Vocabulary

@Suite struct RGBRenderTests {
    @Test(arguments: [ImageEncoding.png(), .jpeg(quality: 90), .webp(quality: 90, lossless: false), .tiff])
    func rendersRGBFilesAndGridWithProvenance(encoding: ImageEncoding) throws {
        let root = TemporaryDirectory(prefix: "kac-rgb")
        let manifest = try TinyModel.publishShapes(into: root.file("zoo"))
        let store = try ModelStore(root: root.file("zoo"), create: false)
        let renderer = Renderer(model: try ZooVelocityModel.load("shapes/teacher", from: store), batchSize: 16)
        let request = RenderRequest(
            count: 4, labels: [.name("Square"), .name("circle"), .index(2)], steps: 1, seed: 9, encoding: encoding,
            scale: 2, upscale: .lanczos, grid: true)
        let plan = try renderer.plan(request)
        let out = root.file("out")
        try OutputDirectory.prepare(out)
        let report = try renderer.render(plan, into: out)

        let ext = encoding.fileExtension
        #expect(report.images.map(\.file) == ["0000-square", "0001-circle", "0002-triangle", "0003-square"].map { "\($0).\(ext)" })
        #expect(report.images.map(\.className) == ["square", "circle", "triangle", "square"])
        #expect(report.images.map(\.label) == [1, 0, 2, 1])
        #expect(report.classNames == TinyModel.shapeClasses)
        #expect(report.width == 32 && report.height == 32 && report.channels == 3)
        for image in report.images {
            let info = try ImageReader.info(path: out + "/" + image.file)
            #expect(info.width == 32 && info.height == 32 && info.bands == 3 && info.interpretation == "srgb", "\(image.file): \(info)")
            #expect(info.format == encoding.format)
            let metadata = info.metadata
            #expect(metadata["label"] == image.className && metadata["index"] == String(image.index), "\(metadata)")
            #expect(metadata["model"] == "shapes/teacher" && metadata["model-digest"] == manifest.blob.description)
            #expect(metadata["seed"] == "9" && metadata["software"] == KacVersion.software)
            if encoding.format == .jpeg || encoding.format == .webp {
                #expect(info.exifDescription?.contains("label=\(image.className)") == true, "\(info.exifDescription ?? "no EXIF")")
            }
        }
        // The three channels really differ: a random RGB network does not draw grey images.
        let (_, raster) = try ImageReader.read(path: out + "/" + report.images[0].file)
        #expect(stride(from: 0, to: raster.bytes.count, by: 3).contains { raster.bytes[$0] != raster.bytes[$0 + 1] })

        let grid = try ImageReader.info(path: out + "/grid.png")
        #expect(grid.bands == 3 && grid.interpretation == "srgb", "\(grid)")
        #expect(grid.metadata["labels"] == "square,circle,triangle" && grid.metadata["images"] == "4", "\(grid.metadata)")
        // Cells are nearest-upscaled to at least 84 px: 16 px images × 6.
        #expect(grid.width >= 3 * 96)
    }

    @Test func classNamesThatAreNoFileNamesStayWholeInMetadataAndResult() throws {
        let root = TemporaryDirectory(prefix: "kac-rgb-names")
        let names = ["café au lait", "50% off, a/b", "___"]
        try TinyModel.publishShapes(into: root.file("zoo"), classNames: names)
        let store = try ModelStore(root: root.file("zoo"), create: false)
        let renderer = Renderer(model: try ZooVelocityModel.load("shapes/teacher", from: store))
        let plan = try renderer.plan(
            RenderRequest(count: 3, labels: [.name("CAFÉ AU LAIT"), .index(1), .index(2)], steps: 1, grid: true))
        let out = root.file("out")
        try OutputDirectory.prepare(out)
        let report = try renderer.render(plan, into: out)
        #expect(report.images.map(\.file) == ["0000-caf__au_lait.png", "0001-50__off__a_b.png", "0002-class2.png"])
        #expect(report.images.map(\.className) == names)
        let label = try #require(try ImageReader.info(path: out + "/0000-caf__au_lait.png").metadata["label"])
        #expect(label == "caf%C3%A9 au lait" && ImageMetadata.unescaped(label) == "café au lait")
        #expect(try ImageReader.info(path: out + "/0001-50__off__a_b.png").metadata["label"] == "50%25 off, a/b")
        let labels = try #require(try ImageReader.info(path: out + "/grid.png").metadata["labels"])
        #expect(labels == "caf%C3%A9 au lait,50%25 off%2C a/b,___")
        #expect(labels.split(separator: ",").map { ImageMetadata.unescaped(String($0)) } == names)
    }

    /// `kac render --labels` takes the model's class names and indices, and refuses another model's.
    @Test func kacRenderTakesTheModelsClassNames() throws {
        let root = TemporaryDirectory(prefix: "kac-rgb-cli")
        let zoo = root.file("zoo")
        try TinyModel.publishShapes(into: zoo)
        let out = root.file("images")
        let good = try Child.run(
            Binaries.kac,
            ["render", "--zoo", zoo, "--model", "shapes/teacher", "--count", "2", "--labels", "triangle,0", "--steps", "1", "--out", out],
            logDirectory: root.path)
        #expect(good.status == 0, "\(good.error)")
        #expect(good.output == ["0000-triangle", "0001-circle"].map { out + "/" + $0 + ".png\n" }.joined())
        let info = try ImageReader.info(path: out + "/0000-triangle.png")
        #expect(info.bands == 3 && info.interpretation == "srgb" && info.metadata["label"] == "triangle")
        let bad = try Child.run(
            Binaries.kac,
            ["render", "--zoo", zoo, "--model", "shapes/teacher", "--count", "1", "--labels", "sneaker", "--out", root.file("never")],
            logDirectory: root.path)
        #expect(bad.status == 64 && bad.error.contains("its classes are 0 circle, 1 square, 2 triangle"), "\(bad.error)")
    }
}
