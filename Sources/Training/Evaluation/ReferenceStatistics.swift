// Feature statistics of the reference images (the 10,000 Fashion-MNIST test images) under one
// classifier, computed once and cached on disk as `reference-<key>.json` (schema
// `kac-reference-statistics/1`). The key hashes the classifier's configuration and weights and the
// reference images, so a retrained classifier or other data never reads a stale cache.
import DiskIO
import Foundation
import ModelStore
import NeuralNet
import TensorCore

public enum ReferenceStatistics {
    static let schema = "kac-reference-statistics/1"

    private struct CacheFile: Codable {
        var schema: String
        var key: String
        var statistics: FeatureStatistics
    }

    /// The cache key: sha256 over the configuration, every weight and every reference pixel.
    public static func key(classifier: ImageClassifier, images: Tensor) -> Digest {
        var hasher = DigestHasher()
        hasher.update(Array(String(describing: classifier.configuration).utf8))
        for tensor in classifier.parameters.tensors {
            tensor.scalars.withUnsafeBytes { hasher.update($0) }
        }
        images.scalars.withUnsafeBytes { hasher.update($0) }
        return hasher.finalize()
    }

    /// Statistics of `classifier`'s features on `images`, read from or written to `cacheDirectory`
    /// (no caching when nil). An unreadable cache file is recomputed and replaced, never trusted.
    public static func statistics(
        classifier: ImageClassifier, images: Tensor,
        cacheDirectory: String?
    ) throws -> (statistics: FeatureStatistics, cached: Bool) {
        guard let cacheDirectory else {
            return (FeatureStatistics(features: classifier.features(images, batchSize: 500)), false)
        }
        let key = key(classifier: classifier, images: images)
        let path = cacheDirectory + "/reference-\(key.hex.prefix(16)).json"
        if let data = FileManager.default.contents(atPath: path),
            let file = try? JSONDecoder().decode(CacheFile.self, from: data),
            file.schema == schema, file.key == key.description,
            file.statistics.dimension == classifier.configuration.hiddenWidth
        {
            return (file.statistics, true)
        }
        let statistics = FeatureStatistics(features: classifier.features(images, batchSize: 500))
        try FileManager.default.createDirectory(atPath: cacheDirectory, withIntermediateDirectories: true)
        let bytes = try JSONEncoder().encode(CacheFile(schema: schema, key: key.description, statistics: statistics))
        try AtomicFile.write([UInt8](bytes), to: path)
        return (statistics, false)
    }
}
