// Decoding any file libvips reads into a square training sample through one shim call,
// kac_decode_square in decode_shim.c (like SVGRaster, a single-call exception to "only
// VipsImageHandle calls libvips"). The policy, the same for every caller:
// - EXIF orientation is applied first;
// - colour is converted to 8-bit sRGB (3 channels) or 8-bit grey (1 channel, libvips' B_W);
//   16-bit, CMYK, palette and grey sources are converted by libvips' colourspace operation;
// - alpha is flattened onto a background (white by default) and dropped;
// - the shorter side is resized to `side` (Lanczos-3; not resampled at all when it already is
//   `side`), then the centre `side` × `side` square is cropped (odd leftovers lose the extra
//   pixel on the right/bottom).
// Truncated or damaged files fail with `ImagingError.readFailed` naming the path; nothing traps.
import CVipsShim
import Vocabulary

public enum ImageDecoder {
    /// What transparent pixels become.
    public enum AlphaBackground: String, Sendable, Codable, CaseIterable {
        case white
        case black

        var level: Int32 { self == .white ? 255 : 0 }
    }

    /// The decoded sample and the size of the file it came from.
    public struct Decoded: Sendable, Equatable {
        public let raster: Raster
        public let sourceWidth: Int
        public let sourceHeight: Int
    }

    /// Most pixels (width × height, as the file's header declares them) a file may have: 64
    /// megapixels, more than a 50-megapixel camera's photos. Larger files are refused before a
    /// pixel is decoded (decoded whole, they would take gigabytes; the samples are a few dozen pixels).
    public static let maximumPixels = 1 << 26

    /// Decodes `path` into a `side` × `side` raster with `channels` (1 or 3) channels.
    public static func decodeSquare(
        path: String, side: Int, channels: Int, alphaBackground: AlphaBackground = .white,
        maximumPixels: Int = maximumPixels
    ) throws(ImagingError) -> Decoded {
        guard channels == 1 || channels == 3 else { throw ImagingError.unsupportedChannelCount(channels) }
        guard side > 0 else { throw ImagingError.invalidDimensions(width: side, height: side) }
        try VipsImageHandle.ensureLibrary()
        var width: Int32 = 0, height: Int32 = 0
        guard
            let pixels = kac_decode_square(
                path, Int32(side), Int32(channels), alphaBackground.level, Int64(maximumPixels), &width, &height)
        else {
            throw ImagingError.readFailed(path: path, reason: Reason(VipsImageHandle.lastError()))
        }
        return try finish(pixels, side: side, channels: channels, width: width, height: height)
    }

    /// Decodes an encoded image already read into memory (`bytes`; `name` appears in errors).
    public static func decodeSquare(
        bytes: [UInt8], name: String, side: Int, channels: Int, alphaBackground: AlphaBackground = .white,
        maximumPixels: Int = maximumPixels
    ) throws(ImagingError) -> Decoded {
        guard channels == 1 || channels == 3 else { throw ImagingError.unsupportedChannelCount(channels) }
        guard side > 0 else { throw ImagingError.invalidDimensions(width: side, height: side) }
        guard !bytes.isEmpty else { throw ImagingError.readFailed(path: name, reason: "the file is empty") }
        try VipsImageHandle.ensureLibrary()
        var width: Int32 = 0, height: Int32 = 0
        let pixels = bytes.withUnsafeBytes { raw in
            kac_decode_square_buffer(
                raw.baseAddress, raw.count, name, Int32(side), Int32(channels), alphaBackground.level, Int64(maximumPixels),
                &width, &height)
        }
        guard let pixels else { throw ImagingError.readFailed(path: name, reason: Reason(VipsImageHandle.lastError())) }
        return try finish(pixels, side: side, channels: channels, width: width, height: height)
    }

    private static func finish(
        _ pixels: UnsafeMutableRawPointer, side: Int, channels: Int, width: Int32, height: Int32
    ) throws(ImagingError) -> Decoded {
        defer { kac_buffer_free(pixels) }
        let bytes = [UInt8](UnsafeRawBufferPointer(start: pixels, count: side * side * channels))
        let raster = try Raster(width: side, height: side, channels: channels, bytes: bytes)
        return Decoded(raster: raster, sourceWidth: Int(width), sourceHeight: Int(height))
    }
}
