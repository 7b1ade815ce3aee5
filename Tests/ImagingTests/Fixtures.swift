// Shared inputs for the Imaging tests: deterministic generated pixels covering the whole [−1, 1]
// range (plus out-of-range values that must clamp) and the standard provenance record.
import Imaging
import Vocabulary

enum Fixtures {
    /// A 28×28 (or any size) image whose values sweep −1.2…1.2 so clamping and every byte occur.
    static func pixels(width: Int = 28, height: Int = 28, channels: Int = 1) -> [Float] {
        var pixels = [Float](repeating: 0, count: width * height * channels)
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<channels {
                    let ramp = Float(x + y * width) / Float(width * height - 1)
                    pixels[(y * width + x) * channels + c] = -1.2 + 2.4 * ramp - 0.1 * Float(c)
                }
            }
        }
        return pixels
    }

    static func raster(width: Int = 28, height: Int = 28, channels: Int = 1) throws -> Raster {
        try Raster(
            quantizing: pixels(width: width, height: height, channels: channels),
            width: width, height: height, channels: channels)
    }

    /// A smooth image (lossy codecs reproduce it closely) of the given size.
    static func smoothRaster(width: Int = 28, height: Int = 28, channels: Int = 1) throws -> Raster {
        var bytes = [UInt8](repeating: 0, count: width * height * channels)
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<channels { bytes[(y * width + x) * channels + c] = UInt8((x * 4 + y * 3 + c * 20) % 256) }
            }
        }
        return try Raster(width: width, height: height, channels: channels, bytes: bytes)
    }

    static func provenance(label: String = "Ankle boot") throws -> ImageMetadata {
        try ImageMetadata.provenance(
            model: "fashion-kac", modelVersion: "1.2.0",
            modelDigest: "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            seed: 18_446_744_073_709_551_615, index: 3, label: label, sampler: "euler-kac",
            steps: 8, guidance: 1.5, software: "kac 0.1.0 (libvips 8.14)")
    }

    static let allFormats: [ImageEncoding] = [
        .png(), .jpeg(quality: 95), .webp(quality: 95, lossless: false), .webp(quality: 95, lossless: true), .tiff,
    ]
}
