// SVG documents (evaluation plots) rasterised by libvips' svgload (librsvg), flattened onto white,
// as an RGB Raster ready for ImageEncoder. The one libvips call besides VipsImageHandle's: it goes
// through a single shim function that loads, flattens and copies out the pixels in one step.
import CVipsShim

public enum SVGRaster {
    /// Renders `svg` at its declared width × height (1 pixel per user unit).
    public static func render(_ svg: String) throws(ImagingError) -> Raster {
        try VipsImageHandle.ensureLibrary()
        let bytes = Array(svg.utf8)
        var width: Int32 = 0, height: Int32 = 0
        let pixels = bytes.withUnsafeBytes { kac_svg_render_rgb($0.baseAddress, $0.count, &width, &height) }
        guard let pixels else {
            throw ImagingError.vips(operation: "svg render", message: VipsImageHandle.lastError())
        }
        defer { kac_buffer_free(pixels) }
        let count = Int(width) * Int(height) * 3
        return try Raster(
            width: Int(width), height: Int(height), channels: 3,
            bytes: [UInt8](UnsafeRawBufferPointer(start: pixels, count: count)))
    }
}
