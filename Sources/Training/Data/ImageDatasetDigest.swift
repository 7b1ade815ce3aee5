// The content digest of a decoded image data set: what `kac train` records for a labelled folder,
// defined so that any two sources of the same pixels and classes agree (a folder exported from
// the Fashion-MNIST IDX files digests like the IDX set itself; `DataFolderTests` checks it).
// sha256 over, in order: the line "kac-image-dataset 1 H W C K\n", each class name followed by
// "\n", then for each class in label order the little-endian UInt64 count of its samples and
// their 8-bit pixels ([H, W, C] each) in data set order. Class-major, so interleaving does not
// matter; file names, formats and sizes before decoding do not enter it.
import Imaging
import ModelStore

public enum ImageDatasetDigest {
    /// Digest of 8-bit samples: `pixels` holds `labels.count` samples of `sampleShape` ([H, W, C]).
    public static func digest(
        pixels: UnsafeBufferPointer<UInt8>, labels: [Int], sampleShape: [Int], classNames: [String]
    ) -> Digest {
        precondition(sampleShape.count == 3, "ImageDatasetDigest: sample shape \(sampleShape) is not [H, W, C]")
        let perSample = sampleShape.reduce(1, *)
        precondition(pixels.count == perSample * labels.count, "ImageDatasetDigest: \(pixels.count) bytes for \(labels.count) samples")
        var hasher = DigestHasher()
        let header = "kac-image-dataset 1 \(sampleShape[0]) \(sampleShape[1]) \(sampleShape[2]) \(classNames.count)\n"
        hasher.update(Array(header.utf8))
        for name in classNames { hasher.update(Array((name + "\n").utf8)) }
        var members = [[Int]](repeating: [], count: classNames.count)
        for (index, label) in labels.enumerated() { members[label].append(index) }
        for indices in members {
            withUnsafeBytes(of: UInt64(indices.count).littleEndian) { hasher.update($0) }
            for index in indices {
                hasher.update(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: pixels[index * perSample..<(index + 1) * perSample])))
            }
        }
        return hasher.finalize()
    }

    /// Digest of an image data set held as floats (each value p/127.5 − 1 of a byte p, as every
    /// image reader here produces), quantised back to its bytes with `Raster.quantize`.
    public static func digest(of dataset: LabeledDataset) -> Digest {
        let bytes = dataset.samples.scalars.map(Raster.quantize)
        return bytes.withUnsafeBufferPointer {
            digest(pixels: $0, labels: dataset.labels, sampleShape: dataset.sampleShape, classNames: dataset.classNames)
        }
    }
}
