// An 8-bit interleaved image, and the one quantisation from generated pixels to it.
// Quantisation: clamp to [−1, 1], map linearly to [0, 255] and round half away from zero:
// byte = round((clamp(x) + 1) × 127.5). So −1 → 0, 0 → 128 (127.5 rounds up), 1 → 255, and
// `Raster.value(ofByte:)` maps each byte back to a float that quantises to the same byte.

/// An 8-bit image with pixels in [height, width, channels] order. `channels` is 1 or 3.
public struct Raster: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public let channels: Int
    /// [height, width, channels], row-major, no padding; count is always width × height × channels.
    public internal(set) var bytes: [UInt8]

    /// Wraps already-quantised bytes; throws if the count or the shape is wrong.
    public init(width: Int, height: Int, channels: Int, bytes: [UInt8]) throws(ImagingError) {
        try Raster.validate(width: width, height: height, channels: channels, count: bytes.count)
        self.width = width
        self.height = height
        self.channels = channels
        self.bytes = bytes
    }

    /// Quantises generated pixels (HWC, nominally in [−1, 1]) to bytes; values outside are clamped.
    /// Throws on a wrong pixel count or on a NaN/infinite value rather than writing a wrong image.
    public init(quantizing pixels: [Float], width: Int, height: Int, channels: Int) throws(ImagingError) {
        try Raster.validate(width: width, height: height, channels: channels, count: pixels.count)
        var bytes = [UInt8](repeating: 0, count: pixels.count)
        for index in pixels.indices {
            let value = pixels[index]
            guard value.isFinite else { throw ImagingError.nonFinitePixel(index: index) }
            bytes[index] = Raster.quantize(value)
        }
        self.width = width
        self.height = height
        self.channels = channels
        self.bytes = bytes
    }

    /// The byte for one finite value: clamp to [−1, 1], then round((x + 1) × 127.5), halves away from 0.
    @inlinable
    public static func quantize(_ value: Float) -> UInt8 {
        let clamped = Swift.min(Swift.max(value, -1), 1)
        return UInt8(((clamped + 1) * 127.5).rounded(.toNearestOrAwayFromZero))
    }

    /// The float in [−1, 1] that a byte stands for; `quantize(value(ofByte: b)) == b` for every byte.
    @inlinable
    public static func value(ofByte byte: UInt8) -> Float {
        Float(byte) / 127.5 - 1
    }

    /// The pixels as floats in [−1, 1] (HWC), the inverse of quantisation up to its step.
    public var values: [Float] { bytes.map(Raster.value(ofByte:)) }

    /// The byte at (x, y, channel).
    public subscript(x: Int, y: Int, channel: Int) -> UInt8 {
        get { bytes[(y * width + x) * channels + channel] }
        set { bytes[(y * width + x) * channels + channel] = newValue }
    }

    /// An image of one value everywhere.
    public static func filled(width: Int, height: Int, channels: Int, value: UInt8) throws(ImagingError) -> Raster {
        try Raster(
            width: width, height: height, channels: channels,
            bytes: [UInt8](repeating: value, count: Swift.max(0, width * height * channels)))
    }

    static func validate(width: Int, height: Int, channels: Int, count: Int) throws(ImagingError) {
        guard channels == 1 || channels == 3 else { throw ImagingError.unsupportedChannelCount(channels) }
        guard width > 0, height > 0 else { throw ImagingError.invalidDimensions(width: width, height: height) }
        let (expected, overflow) = width.multipliedReportingOverflow(by: height * channels)
        guard !overflow, expected == count else {
            throw ImagingError.pixelCountMismatch(
                expected: overflow ? Int.max : expected, actual: count,
                width: width, height: height, channels: channels)
        }
    }
}
