// SVGRaster: an SVG document becomes an RGB raster of its declared size, flattened onto white,
// with shapes where the document puts them; it encodes to a PNG that reads back with that size.
// Malformed SVG is an ImagingError, not a crash.
import Foundation
import Imaging
import TestSupport
import Testing

@Suite struct SVGRasterTests {
    static let document = """
        <svg xmlns="http://www.w3.org/2000/svg" width="120" height="80">
        <rect x="10" y="10" width="30" height="20" fill="#ff0000"/>
        <text x="60" y="60" font-size="14" font-family="DejaVu Sans">FD</text>
        </svg>
        """

    @Test func rendersAtDeclaredSizeOntoWhite() throws {
        let raster = try SVGRaster.render(Self.document)
        #expect(raster.width == 120 && raster.height == 80 && raster.channels == 3)
        func pixel(_ x: Int, _ y: Int) -> [UInt8] { Array(raster.bytes[((y * 120 + x) * 3)..<((y * 120 + x) * 3 + 3)]) }
        #expect(pixel(20, 20) == [255, 0, 0])
        #expect(pixel(100, 5) == [255, 255, 255])
        // The text drew some dark pixels in its box.
        var dark = 0
        for y in 45..<65 { for x in 58..<90 where pixel(x, y)[0] < 128 { dark += 1 } }
        #expect(dark > 10)

        let directory = TemporaryDirectory()
        try ImageEncoder.write(raster, as: .png(), to: directory.file("plot.png"))
        let info = try ImageReader.info(path: directory.file("plot.png"))
        #expect(info.format == .png && info.width == 120 && info.height == 80 && info.bands == 3)
    }

    @Test func malformedDocumentsThrow() {
        #expect(throws: ImagingError.self) { try SVGRaster.render("<svg width=\"10\"") }
        #expect(throws: ImagingError.self) { try SVGRaster.render("not svg at all") }
    }
}
