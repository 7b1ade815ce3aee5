// Bad inputs and failing writes: every one is a typed ImagingError with an actionable message,
// and a failed write leaves neither the destination nor a temporary file behind.
import DiskIO
import Foundation
import Imaging
import TestSupport
import Testing

struct InjectedCrash: Error {}

@Suite struct ErrorTests {
    @Test func wrongPixelCountIsRejected() {
        #expect(throws: ImagingError.pixelCountMismatch(expected: 784, actual: 783, width: 28, height: 28, channels: 1)) {
            try Raster(quantizing: [Float](repeating: 0, count: 783), width: 28, height: 28, channels: 1)
        }
        #expect(throws: ImagingError.pixelCountMismatch(expected: 2352, actual: 784, width: 28, height: 28, channels: 3)) {
            try Raster(quantizing: [Float](repeating: 0, count: 784), width: 28, height: 28, channels: 3)
        }
        #expect(throws: ImagingError.unsupportedChannelCount(4)) {
            try Raster(quantizing: [Float](repeating: 0, count: 16), width: 2, height: 2, channels: 4)
        }
        #expect(throws: ImagingError.invalidDimensions(width: 0, height: 5)) {
            try Raster(quantizing: [], width: 0, height: 5, channels: 1)
        }
    }

    @Test func nonFinitePixelsAreRejected() {
        #expect(throws: ImagingError.nonFinitePixel(index: 2)) {
            try Raster(quantizing: [0, 0, .nan, 0], width: 2, height: 2, channels: 1)
        }
        #expect(throws: ImagingError.nonFinitePixel(index: 0)) {
            try Raster(quantizing: [.infinity], width: 1, height: 1, channels: 1)
        }
    }

    @Test func encoderOptionsOutOfRangeAreRejected() throws {
        let raster = try Fixtures.raster()
        #expect(throws: ImagingError.invalidOption(name: "jpeg quality", value: 0, allowed: 1...100)) {
            try ImageEncoder.encode(raster, as: .jpeg(quality: 0))
        }
        #expect(throws: ImagingError.invalidOption(name: "webp quality", value: 101, allowed: 1...100)) {
            try ImageEncoder.encode(raster, as: .webp(quality: 101, lossless: false))
        }
        #expect(throws: ImagingError.invalidOption(name: "PNG compression", value: 10, allowed: 0...9)) {
            try ImageEncoder.encode(raster, as: .png(compression: 10))
        }
    }

    @Test func badMetadataIsRejected() {
        #expect(throws: ImagingError.self) { try ImageMetadata([("has space", "x")]) }
        #expect(throws: ImagingError.self) { try ImageMetadata([("1digit", "x")]) }
        #expect(throws: ImagingError.self) { try ImageMetadata([("label", "line\nbreak")]) }
        #expect(throws: ImagingError.self) { try ImageMetadata([("label", "Säcke")]) }
        #expect(throws: ImagingError.self) { try ImageMetadata([("seed", "1"), ("seed", "2")]) }
        #expect(throws: ImagingError.self) { try ImageMetadata([(String(repeating: "k", count: 80), "x")]) }
    }

    @Test func missingDirectoryIsAClearErrorAndLeavesNothing() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("no-such-dir/image.png")
        let raster = try Fixtures.raster()
        let error = #expect(throws: ImagingError.self) { try ImageEncoder.write(raster, as: .png(), to: path) }
        guard case .writeFailed(let failedPath, let reason)? = error else {
            Issue.record("unexpected error \(String(describing: error))")
            return
        }
        #expect(failedPath == path)
        #expect(reason.description.contains("No such file or directory"))
        #expect(error?.description.contains("could not write image") == true)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    @Test func parentThatIsAFileIsAClearError() throws {
        let directory = TemporaryDirectory()
        #expect(FileManager.default.createFile(atPath: directory.file("plain"), contents: Data([1])))
        #expect(throws: ImagingError.self) {
            try ImageEncoder.write(try Fixtures.raster(), as: .tiff, to: directory.file("plain/image.tif"))
        }
    }

    /// A crash at any step before the rename leaves the old file intact and no temporary behind.
    @Test(arguments: [FaultPoint.afterTemporaryWrite, .afterFsync])
    func crashBeforeRenameLeavesOldFileIntact(point: FaultPoint) throws {
        let directory = TemporaryDirectory()
        let path = directory.file("image.png")
        let old = try ImageEncoder.write(try Fixtures.raster(), as: .png(), to: path)
        let crash = FaultInjector { if $0 == point { throw InjectedCrash() } }
        #expect(throws: ImagingError.self) {
            try ImageEncoder.write(try Fixtures.smoothRaster(), as: .png(), to: path, faults: crash)
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(old))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["image.png"])
    }

    @Test func unreadableFileCarriesLibvipsMessage() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("junk.png")
        #expect(FileManager.default.createFile(atPath: path, contents: Data("not an image".utf8)))
        let error = #expect(throws: ImagingError.self) { try ImageReader.info(path: path) }
        guard case .readFailed(_, let reason)? = error else {
            Issue.record("unexpected error \(String(describing: error))")
            return
        }
        #expect(!reason.description.isEmpty, "libvips error text should be carried")
    }
}
