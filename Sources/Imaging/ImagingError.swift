// The Imaging module's one public error type. Every case names what went wrong, where, and what an
// operator can do about it; libvips failures carry libvips's own error text verbatim.
// Contract violations a caller cannot trigger from data (negative sizes) are preconditions instead.

import Vocabulary

/// A failure while quantising, resampling, encoding, writing or reading an image.
public enum ImagingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// libvips could not start (missing shared library pieces, broken install).
    case libraryUnavailable(reason: String)
    /// `pixels.count` is not width × height × channels.
    case pixelCountMismatch(expected: Int, actual: Int, width: Int, height: Int, channels: Int)
    /// Only 1 (grayscale) and 3 (RGB) channels are supported.
    case unsupportedChannelCount(Int)
    /// Width or height is not positive.
    case invalidDimensions(width: Int, height: Int)
    /// A pixel value is NaN or infinite (usually a diverged model).
    case nonFinitePixel(index: Int)
    /// Upscale factor outside 1…maximum.
    case scaleOutOfRange(factor: Int, maximum: Int)
    /// An encoder option outside its range (JPEG/WebP quality 1…100, PNG compression 0…9).
    case invalidOption(name: String, value: Int, allowed: ClosedRange<Int>)
    /// A metadata key or value that cannot be stored in every format.
    case invalidMetadata(key: String, reason: String)
    /// Contact sheet inputs that do not fit together (sizes, label counts).
    case invalidContactSheet(reason: String)
    /// Text could not be rendered (no fonts, pango missing); labels are never silently dropped.
    case textRenderingUnavailable(label: String, reason: String)
    /// A libvips operation failed; `message` is libvips's error buffer.
    case vips(operation: String, message: String)
    /// Writing the encoded file failed; nothing was left at `path`.
    case writeFailed(path: String, reason: Reason)
    /// Reading a file back failed: libvips's message, or the error that stopped it.
    case readFailed(path: String, reason: Reason)

    public var description: String {
        switch self {
        case .libraryUnavailable(let reason):
            return "libvips failed to initialise: \(reason). Check that libvips 8.14+ (libvips42) is installed."
        case .pixelCountMismatch(let expected, let actual, let width, let height, let channels):
            return "got \(actual) pixel values but a \(width)×\(height) image with \(channels) channel(s) "
                + "needs \(expected); check the model's output shape against the image size."
        case .unsupportedChannelCount(let channels):
            return "images must have 1 (grayscale) or 3 (RGB) channels, not \(channels)."
        case .invalidDimensions(let width, let height):
            return "image size \(width)×\(height) is not positive."
        case .nonFinitePixel(let index):
            return "pixel value \(index) is NaN or infinite; the sampler diverged — check steps and guidance."
        case .scaleOutOfRange(let factor, let maximum):
            return "upscale factor \(factor) is outside 1…\(maximum); choose a factor in that range "
                + "or raise the configured limit."
        case .invalidOption(let name, let value, let allowed):
            return "\(name) \(value) is outside \(allowed.lowerBound)…\(allowed.upperBound)."
        case .invalidMetadata(let key, let reason):
            return "metadata key \"\(key)\": \(reason)"
        case .invalidContactSheet(let reason):
            return "cannot build contact sheet: \(reason)"
        case .textRenderingUnavailable(let label, let reason):
            return "cannot render label \"\(label)\": \(reason). Install a font (e.g. fonts-dejavu-core) "
                + "and make sure libvips was built with pangocairo, or render without labels."
        case .vips(let operation, let message):
            return "libvips \(operation) failed: \(message.trimmingTrailingNewlines())"
        case .writeFailed(let path, let reason):
            return "could not write image \(path): \(reason)"
        case .readFailed(let path, let reason):
            return "could not read image \(path): \(reason.description.trimmingTrailingNewlines())"
        }
    }
}

extension String {
    func trimmingTrailingNewlines() -> String {
        var text = Substring(self)
        while let last = text.last, last.isNewline || last == " " { text = text.dropLast() }
        return String(text)
    }
}
