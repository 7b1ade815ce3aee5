// The EXIF ImageDescription of JPEG and WebP holds the same `key=value` lines as the XMP packet,
// even when the last value ends in ")": libvips' EXIF writer would otherwise cut a final " (…)"
// off (issue 12: EXIF said `software=kac 0.1` where XMP said `kac 0.1 (Kac sampler, libvips)`).
import Imaging
import TestSupport
import Testing

@Suite struct ExifDescriptionTests {
    @Test(arguments: [ImageEncoding.jpeg(quality: 90), .webp(quality: 90, lossless: false), .webp(quality: 90, lossless: true)])
    func exifKeepsEveryValueWhole(format: ImageEncoding) throws {
        let metadata = try Fixtures.provenance()
        #expect(metadata["software"]?.hasSuffix(")") == true, "the fixture's software ends in a parenthesis")
        let (info, _) = try ImageReader.read(
            bytes: try ImageEncoder.encode(try Fixtures.smoothRaster(channels: 3), as: format, metadata: metadata))
        #expect(info.metadata == metadata)
        let exif = try #require(info.exifDescription, "\(format.name) has an EXIF ImageDescription")
        #expect(ImageMetadata.parse(lines: exif) == metadata, "\(exif)")
    }
}
