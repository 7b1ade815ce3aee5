// Encode → write → read back through libvips for every format: size, bands, container, pixels
// (lossless exact, lossy within a named tolerance) and every provenance field; plus determinism.
import Foundation
import Imaging
import TestSupport
import Testing
import Vocabulary

/// JPEG/WebP at quality 95 on a smooth ramp: mean absolute error in gray levels. Measured ~1;
/// 4 leaves room for codec version differences while still catching a channel or orientation mix-up.
let lossyMeanAbsoluteErrorLimit = 4.0

@Suite struct EncodingTests {
    @Test func quantisationMapsEndpointsAndRoundsHalfAwayFromZero() throws {
        #expect(Raster.quantize(-1) == 0)
        #expect(Raster.quantize(1) == 255)
        #expect(Raster.quantize(0) == 128)  // 127.5 rounds up
        #expect(Raster.quantize(-7) == 0)
        #expect(Raster.quantize(3) == 255)
        for byte in UInt8.min...UInt8.max { #expect(Raster.quantize(Raster.value(ofByte: byte)) == byte) }
        let raster = try Raster(quantizing: [-1, -0.5, 0, 0.5, 1, 2], width: 3, height: 2, channels: 1)
        #expect(raster.bytes == [0, 64, 128, 191, 255, 255])  // 63.75→64, 191.25→191
    }

    /// The one mapping from a request's format, quality and lossless flag (job files and `kac render`).
    @Test func aRequestsFormatQualityAndLosslessBecomeOneEncoding() {
        #expect(ImageEncoding(format: .png) == .png())
        #expect(ImageEncoding(format: .tiff) == .tiff)
        #expect(ImageEncoding(format: .jpeg) == .jpeg(quality: ImageEncoding.defaultQuality) && ImageEncoding.defaultQuality == 90)
        #expect(ImageEncoding(format: .jpeg, quality: 40) == .jpeg(quality: 40))
        #expect(ImageEncoding(format: .webp, quality: 70) == .webp(quality: 70, lossless: false))
        #expect(ImageEncoding(format: .webp, lossless: true) == .webp(quality: 90, lossless: true))
        for format in ImageFormat.allCases { #expect(ImageEncoding(format: format).format == format) }
    }

    @Test(arguments: Fixtures.allFormats, [1, 3])
    func roundTripThroughFile(format: ImageEncoding, channels: Int) throws {
        let directory = TemporaryDirectory()
        let raster =
            format.isLossless
            ? try Fixtures.raster(channels: channels) : try Fixtures.smoothRaster(channels: channels)
        let metadata = try Fixtures.provenance()
        let path = directory.file("image.\(format.fileExtension)")
        let written = try ImageEncoder.write(raster, as: format, metadata: metadata, to: path)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(written))

        let (info, decoded) = try ImageReader.read(path: path)
        #expect(info.width == 28 && info.height == 28)
        #expect(info.format == expectedFormat(format))
        // WebP has no grayscale mode: libvips writes and reads gray as RGB.
        let expectedBands = format.name == "webp" ? 3 : channels
        #expect(info.bands == expectedBands)
        #expect(info.metadata == metadata, "metadata read back from \(format.name)")
        for entry in metadata.entries { #expect(info.metadata[entry.key] == entry.value, "\(format.name) \(entry.key)") }

        let comparable = try firstChannels(decoded, count: channels)
        if format.isLossless {
            #expect(comparable == raster, "lossless \(format.name) must round-trip exactly")
        } else {
            let error =
                zip(comparable.bytes, raster.bytes).map { abs(Double($0) - Double($1)) }.reduce(0, +)
                / Double(raster.bytes.count)
            #expect(error <= lossyMeanAbsoluteErrorLimit, "\(format.name) mean abs error \(error)")
        }
    }

    @Test func readingFromMemoryMatchesReadingFromFile() throws {
        let raster = try Fixtures.raster(channels: 3)
        let bytes = try ImageEncoder.encode(raster, as: .png(), metadata: try Fixtures.provenance())
        let (info, decoded) = try ImageReader.read(bytes: bytes)
        #expect(decoded == raster)
        #expect(info.loader == "pngload_buffer")
        #expect(info.metadata["seed"] == "18446744073709551615")
    }

    /// Byte-identical output across repeated encodes, across a clock-second boundary (anything
    /// time-stamped would differ) and across threads.
    @Test func encodingIsDeterministic() async throws {
        let raster = try Fixtures.raster(channels: 3)
        let metadata = try Fixtures.provenance()
        let first = try Fixtures.allFormats.map { try ImageEncoder.encode(raster, as: $0, metadata: metadata) }
        try await Task.sleep(for: .milliseconds(1100))
        let second = try Fixtures.allFormats.map { try ImageEncoder.encode(raster, as: $0, metadata: metadata) }
        for (format, (a, b)) in zip(Fixtures.allFormats, zip(first, second)) { #expect(a == b, "\(format.name) differs") }

        let concurrent = try await withThrowingTaskGroup(of: (Int, [UInt8]).self) { group in
            for index in 0..<16 {
                group.addTask { (index, try ImageEncoder.encode(raster, as: Fixtures.allFormats[index % 5], metadata: metadata)) }
            }
            var results: [(Int, [UInt8])] = []
            for try await result in group { results.append(result) }
            return results
        }
        for (index, bytes) in concurrent { #expect(bytes == first[index % 5], "thread encode \(index) differs") }
    }

    @Test func withoutMetadataNothingIsReadBack() throws {
        for format in Fixtures.allFormats {
            let bytes = try ImageEncoder.encode(try Fixtures.raster(), as: format)
            #expect(try ImageReader.read(bytes: bytes).info.metadata.isEmpty, "\(format.name)")
        }
    }

    @Test func metadataTextFormsRoundTrip() throws {
        let metadata = try ImageMetadata([("note", "a<b & c>\"d\" = e"), ("empty", "")])
        #expect(ImageMetadata.parse(xmp: metadata.xmpPacket) == metadata)
        #expect(ImageMetadata.parse(lines: metadata.lines) == metadata)
        #expect(metadata.xmpPacket.contains("<kac:note>a&lt;b &amp; c&gt;&quot;d&quot; = e</kac:note>"))
    }

    private func expectedFormat(_ format: ImageEncoding) -> ImageFormat? { format.format }

    /// The first `count` channels of `raster` (gray out of libvips's RGB WebP decode).
    private func firstChannels(_ raster: Raster, count: Int) throws -> Raster {
        if raster.channels == count { return raster }
        var bytes: [UInt8] = []
        for pixel in 0..<(raster.width * raster.height) {
            bytes.append(contentsOf: raster.bytes[(pixel * raster.channels)..<(pixel * raster.channels + count)])
        }
        return try Raster(width: raster.width, height: raster.height, channels: count, bytes: bytes)
    }
}
