import Testing
@testable import Imaging

@Test func dump() throws {
    var pixels = [Float](repeating: 0, count: 28 * 28)
    for i in pixels.indices { pixels[i] = Float(i % 28) / 13.5 - 1 }
    let raster = try Raster(quantizing: pixels, width: 28, height: 28, channels: 1)
    let meta = try ImageMetadata.provenance(model: "fashion-kac", modelVersion: "1.2.0", modelDigest: "sha256:abc123", seed: 42, label: "Ankle boot", sampler: "euler", steps: 8, guidance: 1.5, software: "kac 0.1.0")
    for f in [ImageFormat.png(), .jpeg(quality: 90), .webp(quality: 90, lossless: false), .webp(quality: 90, lossless: true), .tiff] {
        try ImageEncoder.write(raster, as: f, metadata: meta, to: "/tmp/vt/out\(f.isLossless ? "" : "-lossy").\(f.fileExtension)")
        let info = try ImageReader.info(path: "/tmp/vt/out\(f.isLossless ? "" : "-lossy").\(f.fileExtension)")
        print(info)
    }
}
