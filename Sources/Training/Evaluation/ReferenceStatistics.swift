// Features of the reference images (the 10,000 Fashion-MNIST test images) under one classifier,
// computed once and cached on disk as `reference-<key>.safetensors` (schema
// `kac-reference-statistics/2`: the raw `penultimate` and `multi` feature tensors, and the
// standardized multi-layer features' class-weighted within-set kernel mean in the metadata). The key hashes the classifier's configuration and
// weights and the reference images, so a retrained classifier or other data never reads a stale
// cache; the schema names the feature definition, so a changed `multi` never reads an old one.
// Schema 1 (`reference-<key>.json`, mean and covariance only) is ignored: KID needs the features.
import DiskIO
import Foundation
import ModelStore
import NeuralNet
import TensorCore

public enum ReferenceStatistics {
    static let schema = "kac-reference-statistics/2"

    /// The cache key: sha256 over the configuration, every weight, every reference pixel and label.
    public static func key(classifier: ImageClassifier, images: Tensor, labels: [Int]) -> Digest {
        var hasher = DigestHasher()
        hasher.update(Array(String(describing: classifier.configuration).utf8))
        for tensor in classifier.parameters.tensors {
            tensor.scalars.withUnsafeBytes { hasher.update($0) }
        }
        images.scalars.withUnsafeBytes { hasher.update($0) }
        labels.map(Int64.init).withUnsafeBytes { hasher.update($0) }
        return hasher.finalize()
    }

    /// Where the cache for `key` lives in `cacheDirectory`.
    public static func cachePath(key: Digest, cacheDirectory: String) -> String {
        cacheDirectory + "/reference-\(key.hex.prefix(16)).safetensors"
    }

    /// `classifier`'s features of `images` (with their class `labels`, which weight the kernel
    /// distance's within-set term), read from or written to `cacheDirectory` (no caching when nil).
    /// A cache file of another schema, key or feature width is recomputed and replaced, never trusted.
    public static func features(
        classifier: ImageClassifier, images: Tensor, labels: [Int],
        cacheDirectory: String?
    ) throws -> (reference: ReferenceFeatures, cached: Bool) {
        guard let cacheDirectory else {
            return (ReferenceFeatures(classifier.imageFeatures(images, batchSize: 500), labels: labels), false)
        }
        let key = key(classifier: classifier, images: images, labels: labels)
        let path = cachePath(key: key, cacheDirectory: cacheDirectory)
        if FileManager.default.fileExists(atPath: path),
            let reference = cached(at: path, key: key, classifier: classifier, labels: labels)
        {
            return (reference, true)
        }
        let features = classifier.imageFeatures(images, batchSize: 500)
        let reference = ReferenceFeatures(features, labels: labels)
        let checkpoint = Checkpoint(
            tensors: [
                NamedTensor(name: "penultimate", shape: features.penultimate.shape, values: features.penultimate.scalars),
                NamedTensor(name: "multi", shape: features.multi.shape, values: features.multi.scalars),
            ],
            metadata: [
                "schema": schema, "key": key.description,
                // Double's description round-trips exactly.
                "multi.kernelWithinMean": String(reference.multiKernel.withinMean),
            ])
        try FileManager.default.createDirectory(atPath: cacheDirectory, withIntermediateDirectories: true)
        try Safetensors.write(checkpoint, to: path)
        return (reference, false)
    }

    /// The cached features at `path` if they are this schema, this key and the classifier's widths.
    private static func cached(at path: String, key: Digest, classifier: ImageClassifier, labels: [Int]) -> ReferenceFeatures? {
        let count = labels.count
        guard let checkpoint = try? Safetensors.read(from: path),
            checkpoint.metadata["schema"] == schema, checkpoint.metadata["key"] == key.description,
            let withinMean = checkpoint.metadata["multi.kernelWithinMean"].flatMap(Double.init),
            let penultimate = checkpoint["penultimate"], let multi = checkpoint["multi"],
            penultimate.shape == [count, classifier.featureDimension(.penultimate)],
            multi.shape == [count, classifier.featureDimension(.multi)]
        else { return nil }
        let features = ImageFeatures(
            penultimate: Tensor(shape: penultimate.shape, scalars: penultimate.values),
            multi: Tensor(shape: multi.shape, scalars: multi.values))
        return ReferenceFeatures(features, labels: labels, multiKernelWithinMean: withinMean)
    }
}
