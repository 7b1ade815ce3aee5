// Output file formats and upscaling filters as jobs, command lines and image metadata name them.
// Encoding options (quality, lossless) belong to Imaging's `ImageEncoding`.

public enum ImageFormat: String, Codable, CaseIterable, Sendable {
    case png, jpeg, webp, tiff

    /// Formats with a lossy quality knob (`encodeQuality`, `--quality`).
    public var hasQualitySetting: Bool { self == .jpeg || self == .webp }

    /// The conventional file extension, without the dot.
    public var fileExtension: String {
        switch self {
        case .png: "png"
        case .jpeg: "jpg"
        case .webp: "webp"
        case .tiff: "tif"
        }
    }
}

/// The resampling filter used when upscaling generated images by an integer factor.
public enum UpscaleFilter: String, Codable, CaseIterable, Sendable {
    /// Pixel replication; keeps the generated pixels exact and crisp.
    case nearest
    /// Lanczos with a = 3; smoother, can overshoot at edges (clipped to 0…255).
    case lanczos
}
