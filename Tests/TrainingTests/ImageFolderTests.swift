// Labelled image folders (ImageFolder, ImageDecoder, ImageFolderLoader): class order, the resize
// and crop policy, corrupt and truncated files reported with their path and skipped (or refused
// with strict), the decode-once cache and the stability of the data digest; and a small RGB
// teacher trained on a folder the test writes itself.
import Foundation
import Generation
import Imaging
import KacFlow
import NeuralNet
import TensorCore
import TestSupport
import Testing
import Training
import Vocabulary

@Suite struct ImageFolderTests {
    static let options = ImageFolderOptions(imageSize: 16, channels: 3)

    @Test func classesAreSortedSubfoldersAndSamplesAreRGB() throws {
        let root = TemporaryDirectory()
        try ShapeFolder.write(to: root.path)
        try Data("notes".utf8).write(to: URL(fileURLWithPath: root.file("README.txt")))
        try Data().write(to: URL(fileURLWithPath: root.file("circle/.DS_Store")))
        let folder = try ImageFolder.scan(root: root.path)
        #expect(folder.classNames == ShapeFolder.classNames)
        #expect(folder.entries.count == 18 && folder.strayFiles == ["README.txt"])
        let decoded = try ImageFolderLoader.load(folder, options: Self.options)
        #expect(decoded.dataset.samples.shape == [18, 16, 16, 3])
        #expect(decoded.dataset.labels == (0..<18).map { $0 / 6 })
        #expect(decoded.skipped == [SkippedImage(path: root.file("README.txt"), reason: "not inside a class folder")])
        // The centre pixel has the class colour: red, green, blue dominate in turn.
        for (sample, label) in decoded.dataset.labels.enumerated() {
            let (samples, _) = decoded.dataset.batch(indices: [sample])
            let centre = (8 * 16 + 8) * 3
            let rgb = Array(samples.scalars[centre..<centre + 3])
            #expect(rgb.indices.max { rgb[$0] < rgb[$1] } == label, "sample \(sample): \(rgb)")
        }
    }

    @Test func classListFixesTheLabelOrder() throws {
        let root = TemporaryDirectory()
        try ShapeFolder.write(to: root.path, perClass: 1)
        try Data("triangle\ncircle\nsquare\n".utf8).write(to: URL(fileURLWithPath: root.file("classes.txt")))
        let folder = try ImageFolder.scan(root: root.path)
        #expect(folder.classNames == ["triangle", "circle", "square"] && folder.strayFiles.isEmpty)
        #expect(folder.entries.map(\.relativePath) == ["triangle/00.png", "circle/00.png", "square/00.png"])
        try Data("triangle\ncircle\n".utf8).write(to: URL(fileURLWithPath: root.file("classes.txt")))
        #expect {
            try ImageFolder.scan(root: root.path)
        } throws: { "\($0)".contains("folders not listed: square") }
    }

    /// Shorter side to S, then the centre square: of four vertical stripes (red, green, blue,
    /// white) across a 2:1 image, only the middle two remain.
    @Test func resizeThenCentreCrop() throws {
        let directory = TemporaryDirectory()
        var raster = try Raster.filled(width: 64, height: 32, channels: 3, value: 255)
        let stripes: [[UInt8]] = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255]]
        for y in 0..<32 { for x in 0..<64 { for c in 0..<3 { raster[x, y, c] = stripes[x / 16][c] } } }
        try ImageEncoder.write(raster, as: .png(), to: directory.file("stripes.png"))
        func pixel(_ raster: Raster, _ x: Int, _ y: Int) -> [UInt8] { (0..<raster.channels).map { raster[x, y, $0] } }
        // Halved to 32×16 (stripes 8 wide), cropped to columns 8…23: green then blue. Columns 2…5 and
        // 10…13 are away from the edges; Lanczos-3's ringing still moves them by up to 1 level.
        let ringing = 2
        func near(_ got: [UInt8], _ want: [UInt8]) -> Bool { zip(got, want).allSatisfy { abs(Int($0) - Int($1)) <= ringing } }
        let halved = try ImageDecoder.decodeSquare(path: directory.file("stripes.png"), side: 16, channels: 3)
        #expect(halved.sourceWidth == 64 && halved.sourceHeight == 32)
        #expect(halved.raster.width == 16 && halved.raster.height == 16)
        for y in 0..<16 {
            for x in 2...5 { #expect(near(pixel(halved.raster, x, y), [0, 255, 0]), "(\(x), \(y))") }
            for x in 10...13 { #expect(near(pixel(halved.raster, x, y), [0, 0, 255]), "(\(x), \(y))") }
        }
        // Shorter side already 32: not resampled at all, only cropped (columns 16…47).
        let cropped = try ImageDecoder.decodeSquare(path: directory.file("stripes.png"), side: 32, channels: 3)
        #expect(cropped.raster.bytes == (0..<32).flatMap { _ in (16..<48).flatMap { stripes[$0 / 16] } })
        // Grey: one channel, the green half one level, the blue half a darker one.
        let grey = try ImageDecoder.decodeSquare(path: directory.file("stripes.png"), side: 32, channels: 1)
        #expect(grey.raster.channels == 1)
        #expect(Set((0..<32).map { grey.raster[$0 % 16, $0, 0] }).count == 1)
        #expect(Set((0..<32).map { grey.raster[16 + $0 % 16, $0, 0] }).count == 1)
        #expect(grey.raster[0, 0, 0] > grey.raster[31, 0, 0])
    }

    @Test func corruptAndTruncatedFilesAreReportedWithTheirPathAndSkipped() throws {
        let root = TemporaryDirectory()
        let paths = try ShapeFolder.write(to: root.path)
        try Data("this is not an image".utf8).write(to: URL(fileURLWithPath: root.file("square/zz-broken.png")))
        let whole = try Data(contentsOf: URL(fileURLWithPath: paths[0]))
        try whole.prefix(whole.count / 2).write(to: URL(fileURLWithPath: root.file("circle/zz-truncated.png")))
        let folder = try ImageFolder.scan(root: root.path)
        #expect(folder.entries.count == 20)
        let decoded = try ImageFolderLoader.load(folder, options: Self.options)
        #expect(decoded.dataset.count == 18)
        #expect(decoded.skipped.map(\.path) == [root.file("circle/zz-truncated.png"), root.file("square/zz-broken.png")])
        #expect(decoded.skipped.allSatisfy { !$0.reason.isEmpty })
        // The skipped files leave the data, so the digest equals the clean folder's.
        let clean = TemporaryDirectory()
        try ShapeFolder.write(to: clean.path)
        #expect(try ImageFolderLoader.load(ImageFolder.scan(root: clean.path), options: Self.options).digest == decoded.digest)

        var strict = Self.options
        strict.strict = true
        #expect {
            try ImageFolderLoader.load(folder, options: strict)
        } throws: { error in
            let text = "\(error)"
            return text.contains(root.file("square/zz-broken.png")) && text.contains(root.file("circle/zz-truncated.png"))
        }
    }

    @Test func digestIsStableAndTheCacheIsReusedAndChecked() throws {
        let root = TemporaryDirectory(), cache = TemporaryDirectory()
        let paths = try ShapeFolder.write(to: root.path)
        let folder = try ImageFolder.scan(root: root.path)
        let first = try ImageFolderLoader.load(folder, options: Self.options, cacheDirectory: cache.path)
        #expect(!first.fromCache)
        let second = try ImageFolderLoader.load(folder, options: Self.options, cacheDirectory: cache.path)
        #expect(second.fromCache && second.cachePath == first.cachePath)
        #expect(second.dataset == first.dataset && second.digest == first.digest)
        #expect(ImageDatasetDigest.digest(of: first.dataset) == first.digest)
        // Without a cache the same pixels give the same digest; other options another one.
        #expect(try ImageFolderLoader.load(folder, options: Self.options).digest == first.digest)
        #expect(try ImageFolderLoader.load(folder, options: ImageFolderOptions(imageSize: 12, channels: 3)).digest != first.digest)
        // A damaged cache is not trusted: the folder is decoded again to the same digest.
        let cachePath = try #require(first.cachePath)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: cachePath)))
        bytes[bytes.count - 5] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: cachePath))
        let third = try ImageFolderLoader.load(folder, options: Self.options, cacheDirectory: cache.path)
        #expect(!third.fromCache && third.digest == first.digest)
        // Changing one image's pixels changes the digest (and the cache key).
        let other = try ShapeFolder.shape(label: 0, centreX: 5, centreY: 5, radius: 3)
        try ImageEncoder.write(other, as: .png(), to: paths[0])
        let changed = try ImageFolderLoader.load(ImageFolder.scan(root: root.path), options: Self.options, cacheDirectory: cache.path)
        #expect(!changed.fromCache && changed.digest != first.digest)
    }

    @Test func aTeacherTrainsOnAnRGBFolder() throws {
        let root = TemporaryDirectory()
        try ShapeFolder.write(to: root.path, perClass: 8)
        let decoded = try ImageFolderLoader.load(ImageFolder.scan(root: root.path), options: Self.options)
        let recipe = TrainingRecipe(
            architecture: .unet(
                UNetConfiguration(
                    imageHeight: 16, imageWidth: 16, imageChannels: 3, baseWidth: 8, widthMultipliers: [1, 2],
                    residualBlocksPerLevel: 1, attentionResolutions: [8], attentionHeads: 2, groupCount: 4, classCount: 3)),
            training: FlowTrainingConfiguration(batchSize: 12, learningRate: 3e-3, totalSteps: 60),
            dataset: "shapes", datasetDigest: decoded.digest.description, classNames: decoded.dataset.classNames,
            seed: 3, command: "test")
        let objective = FlowMatchingObjective(
            dataset: decoded.dataset, path: KacPath(configuration: recipe.path), labelDropout: 0.1, nullLabel: 3)
        let trainer = Trainer(recipe: recipe, objective: objective, datasetCount: decoded.dataset.count)
        let losses = (0..<60).map { _ in trainer.step().loss }
        #expect(losses.allSatisfy { $0.isFinite })
        let (early, late) = (losses.prefix(10).reduce(0, +), losses.suffix(10).reduce(0, +))
        #expect(late < early, "mean loss of the first 10 steps \(early / 10), of the last 10 \(late / 10)")
        let generator = Generator(network: trainer.averagedNetwork(), architecture: recipe.architecture, path: recipe.path)
        let samples = generator.generate(
            labels: [0, 1, 2], seed: 1, firstIndex: 0, settings: SamplingSettings(integrator: .euler, steps: 4)
        ).samples
        #expect(samples.shape == [3, 16, 16, 3] && samples.scalars.allSatisfy { $0.isFinite })
    }
}
