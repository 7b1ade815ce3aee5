// The rendering core in-process: byte-identical files at batch sizes 1, 16 and 64 (with and
// without guidance), files read back through libvips (size, bands, format, provenance), resume
// keeps existing files, the grid, and request errors that leave nothing behind.
import Foundation
import Generation
import Imaging
import ModelStore
import RenderService
import TestSupport
import Testing
import Vocabulary

@Suite struct RendererTests {
    static func renderer(_ zoo: TemporaryDirectory, batchSize: Int) throws -> Renderer {
        let store = try ModelStore(root: zoo.path, create: false)
        return Renderer(model: try ZooVelocityModel.load("fashion-mnist/teacher", from: store), batchSize: batchSize)
    }

    @Test(arguments: [1.0, 2.5])
    func batchSizeDoesNotChangeAByte(guidance: Double) throws {
        let zoo = TemporaryDirectory(prefix: "kac-render-zoo")
        try TinyModel.publish(into: zoo.path)
        try expectBatchSizeChangesNoByte(zoo, RenderRequest(count: 40, steps: 2, guidance: guidance, seed: 7), precision: .fp32)
    }

    /// A guidance-conditioned student honours the request's scale (else its default) as its input:
    /// one network pass per step at any s, and the scale changes the images.
    @Test func guidanceConditionedStudentRendersTheRequestedScaleInOnePass() throws {
        let zoo = TemporaryDirectory(prefix: "kac-render-zoo")
        try TinyModel.publish(
            into: zoo.path, name: "fashion-mnist/student-2", kind: .student,
            defaults: SamplingSettings(integrator: .euler, steps: 2, guidance: 2), guidanceInput: true)
        let store = try ModelStore(root: zoo.path, create: false)
        let renderer = Renderer(model: try ZooVelocityModel.load("fashion-mnist/student-2", from: store), batchSize: 4)
        var images: [Double?: [UInt8]] = [:]
        for guidance in [nil, 1, 2, 3.5] as [Double?] {
            let out = TemporaryDirectory(prefix: "kac-render-out")
            let plan = try renderer.plan(RenderRequest(count: 3, labels: [.index(4)], guidance: guidance, seed: 9))
            #expect(plan.settings.guidance == guidance ?? 2)
            let report = try renderer.render(plan, into: out.path)
            #expect(report.networkEvaluations == 3 * 2, "s = \(plan.settings.guidance): one pass per image and step")
            let info = try ImageReader.info(path: out.path + "/0000-coat.png")
            #expect(info.metadata["guidance"] == String(plan.settings.guidance))
            images[guidance] = bytes(out.path + "/0000-coat.png")
        }
        #expect(images[nil] == images[2], "no scale in the request: the model's default")
        #expect(Set([images[1], images[2], images[3.5]]).count == 3, "each scale renders other images")
    }

    @Test func filesReadBackWithSizeBandsFormatAndProvenance() throws {
        let zoo = TemporaryDirectory(prefix: "kac-render-zoo")
        let manifest = try TinyModel.publish(into: zoo.path)
        let renderer = try Self.renderer(zoo, batchSize: 16)
        for (format, expected) in [
            (ImageEncoding.png(), ImageFormat.png), (.jpeg(quality: 80), .jpeg),
            (.webp(quality: 80, lossless: false), .webp), (.tiff, .tiff),
        ] {
            let out = TemporaryDirectory(prefix: "kac-render-out")
            let request = RenderRequest(
                count: 3, labels: [.index(7), .name("bag")], seed: 42, encoding: format, scale: 2, upscale: .lanczos, grid: true)
            let report = try renderer.render(try renderer.plan(request), into: out.path)
            #expect(
                report.images.map(\.file) == [
                    "0000-sneaker.\(format.fileExtension)", "0001-bag.\(format.fileExtension)",
                    "0002-sneaker.\(format.fileExtension)",
                ])
            let info = try ImageReader.info(path: out.path + "/0001-bag." + format.fileExtension)
            #expect(
                info.width == 56 && info.height == 56 && info.bands == (expected == .webp ? 3 : 1) && info.format == expected, "\(info)")
            #expect(
                info.metadata.entries.map(\.key) == [
                    "model", "model-version", "model-digest", "seed", "index", "label",
                    "sampler", "steps", "guidance", "precision", "software",
                ])
            #expect(info.metadata["model"] == "fashion-mnist/teacher" && info.metadata["model-digest"] == manifest.blob.description)
            #expect(info.metadata["seed"] == "42" && info.metadata["index"] == "1" && info.metadata["label"] == "bag")
            #expect(info.metadata["sampler"] == "euler" && info.metadata["steps"] == "2" && info.metadata["guidance"] == "1.0")
            let grid = try ImageReader.info(path: out.path + "/grid.png")
            #expect(grid.format == .png && grid.width > 2 * 84 && grid.height > 2 * 84)
        }
    }

    @Test func resumeKeepsExistingFilesAndRewritesMissingOnesIdentically() throws {
        let zoo = TemporaryDirectory(prefix: "kac-render-zoo")
        try TinyModel.publish(into: zoo.path)
        let renderer = try Self.renderer(zoo, batchSize: 4)
        let out = TemporaryDirectory(prefix: "kac-render-out")
        let plan = try renderer.plan(RenderRequest(count: 10, seed: 3, grid: true))
        _ = try renderer.render(plan, into: out.path)
        let first = names(in: out.path).map { ($0, bytes(out.path + "/" + $0)) }
        for name in ["0002-pullover.png", "0007-sneaker.png", "grid.png"] {
            try FileManager.default.removeItem(atPath: out.path + "/" + name)
        }
        let again = try renderer.render(plan, into: out.path)
        #expect(again.rendered == 2 && again.generated == 10 && again.images.filter(\.reused).count == 8)
        #expect(names(in: out.path).map { ($0, bytes(out.path + "/" + $0)) }.elementsEqual(first) { $0 == $1 })
        // Another seed is another plan: its files are not mistaken for this one's.
        let other = try renderer.render(try renderer.plan(RenderRequest(count: 10, seed: 4)), into: out.path)
        #expect(other.rendered == 10)
    }

    @Test func badRequestsAreRefusedBeforeAnythingIsWritten() throws {
        let zoo = TemporaryDirectory(prefix: "kac-render-zoo")
        try TinyModel.publish(into: zoo.path)
        var renderer = try Self.renderer(zoo, batchSize: 16)
        renderer.limits = RenderLimits(maximumCount: 100, maximumScale: 4)
        func message(_ request: RenderRequest) -> String? {
            do { _ = try renderer.plan(request); return nil } catch { return error.description }
        }
        #expect(message(RenderRequest(count: 0))?.contains("count 0 is outside 1…100") == true)
        #expect(message(RenderRequest(count: 101))?.contains("count 101 is outside 1…100") == true)
        #expect(message(RenderRequest(count: 1, labels: [.index(10)]))?.contains("label 10 is out of range") == true)
        let unknown = message(RenderRequest(count: 1, labels: ClassLabel.list("sneaker,hat")))
        #expect(unknown?.contains("label \"hat\" is not a class of fashion-mnist/teacher@1") == true, "\(unknown ?? "")")
        #expect(unknown?.contains("7 sneaker, 8 bag") == true)
        #expect(message(RenderRequest(count: 1, labels: []))?.contains("labels is empty") == true)
        #expect(message(RenderRequest(count: 1, scale: 5))?.contains("scale 5 is outside 1…4") == true)
        #expect(message(RenderRequest(count: 1, steps: 0))?.contains("steps 0") == true)
        #expect(message(RenderRequest(count: 1, encoding: .jpeg(quality: 0)))?.contains("quality 0") == true)
        #expect(ClassLabel.list("Sneaker, bag,3") == [.name("Sneaker"), .name("bag"), .index(3)])
        let file = TemporaryDirectory(prefix: "kac-render-file")
        FileManager.default.createFile(atPath: file.file("plain"), contents: Data())
        #expect { try OutputDirectory.prepare(file.file("plain/out")) } throws: { ($0 as? RenderError)?.exitCode == 73 }
    }
}
