// Class names come from folder names, so they may hold any character; provenance values must be
// printable ASCII. `ImageMetadata.escaped` %-escapes the rest and `unescaped` gives the name back,
// for every name tried, in every format.
import Imaging
import TestSupport
import Testing

@Suite struct ClassNameMetadataTests {
    static let names = [
        "sneaker", "golden retriever", "café", "100% cotton", "a,b", "日本の猫", "emoji 🐈‍⬛", "tab\there", "%41 stays", "~!@#$^&*()",
    ]

    @Test func escapingRoundTripsEveryName() throws {
        for name in Self.names {
            let value = ImageMetadata.escaped(name)
            #expect(value.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F }, "\(name) → \(value)")
            #expect(ImageMetadata.unescaped(value) == name, "\(name) → \(value)")
            #expect(!ImageMetadata.escaped(name, also: ",").contains(","))
            #expect(ImageMetadata.unescaped(ImageMetadata.escaped(name, also: ",")) == name)
        }
        #expect(ImageMetadata.escaped("sneaker") == "sneaker" && ImageMetadata.escaped("café") == "caf%C3%A9")
    }

    @Test(arguments: [ImageEncoding.png(), .jpeg(quality: 90), .webp(quality: 90, lossless: true), .tiff])
    func everyNameSurvivesEveryFormat(format: ImageEncoding) throws {
        let raster = try Fixtures.smoothRaster(channels: 3)
        for name in Self.names {
            let metadata = try ImageMetadata.provenance(
                model: "shapes/teacher", modelVersion: "1", modelDigest: "sha256-00", seed: 1, index: 0, label: name,
                sampler: "euler", steps: 1, guidance: 1)
            let (info, _) = try ImageReader.read(bytes: try ImageEncoder.encode(raster, as: format, metadata: metadata))
            #expect(info.metadata["label"].map(ImageMetadata.unescaped) == name, "\(format): \(name)")
        }
    }
}
