// What generated images are compared with under the classifier judge: Fréchet statistics of the
// reference set's penultimate features (the old FD), and of its multi-layer features after each
// column is standardized by the reference set's own mean and standard deviation, plus the kernel
// reference (KID) of those standardized features.
// Why standardize: GroupNorm leaves a stage's spatially pooled activations almost the same for every
// image (their spread is ~100× below the penultimate layer's), so unscaled they vanish from a
// Fréchet or kernel distance on the concatenation; standardized, every column counts alike and the
// distances do not depend on a layer's activation scale. The map is fixed by the reference alone.
import NeuralNet
import TensorCore

public struct ReferenceFeatures: Sendable {
    /// Of the raw penultimate features.
    public let penultimate: FeatureStatistics
    /// Per multi-layer column: the reference mean, and 1 / the reference standard deviation (0 for a
    /// column that is constant on the reference, which then drops out).
    public let multiCentre: [Float], multiScale: [Float]
    /// Of the standardized multi-layer features.
    public let multi: FeatureStatistics
    /// Of the standardized multi-layer features, class-weighted by the reference labels.
    public let multiKernel: KernelReference
    /// Images in the reference set.
    public var count: Int { penultimate.count }

    /// From the reference's raw features and class labels; a cache passes the kernel's within-set
    /// mean it stored instead of having it recomputed (~10⁸ kernel values for 10,000 images).
    public init(_ features: ImageFeatures, labels: [Int], multiKernelWithinMean: Double? = nil) {
        precondition(
            features.penultimate.shape[0] == labels.count && features.multi.shape[0] == labels.count,
            "ReferenceFeatures: \(labels.count) labels for features \(features.penultimate.shape), \(features.multi.shape)")
        penultimate = FeatureStatistics(features: features.penultimate)
        let (n, d) = (features.multi.shape[0], features.multi.shape[1])
        var sum = [Double](repeating: 0, count: d), squares = [Double](repeating: 0, count: d)
        for i in 0..<n {
            for j in 0..<d {
                let value = Double(features.multi.scalars[i * d + j])
                sum[j] += value
                squares[j] += value * value
            }
        }
        multiCentre = sum.map { Float($0 / Double(n)) }
        multiScale = (0..<d).map { j in
            let mean = sum[j] / Double(n)
            // Unbiased variance by E[x²] − E[x]² in Double (the features are O(1): cancellation ~1e-12).
            let variance = max(squares[j] / Double(n) - mean * mean, 0) * Double(n) / Double(n - 1)
            // A column constant to 6 digits carries no information; it must not be blown up to noise.
            return variance > 1e-12 * max(mean * mean, 1) ? Float(1 / variance.squareRoot()) : 0
        }
        let standardized = Self.standardize(features.multi, centre: multiCentre, scale: multiScale)
        multi = FeatureStatistics(features: standardized)
        multiKernel =
            multiKernelWithinMean.map { KernelReference(features: standardized, withinMean: $0) }
            ?? KernelReference(features: standardized, labels: labels)
    }

    /// Raw multi-layer features [N, d] in the reference's standardized coordinates.
    public func standardizedMulti(_ raw: Tensor) -> Tensor {
        Self.standardize(raw, centre: multiCentre, scale: multiScale)
    }

    private static func standardize(_ raw: Tensor, centre: [Float], scale: [Float]) -> Tensor {
        let d = centre.count
        precondition(raw.rank == 2 && raw.shape[1] == d, "ReferenceFeatures: multi-layer features \(raw.shape), expected [N, \(d)]")
        var scalars = raw.scalars
        for i in 0..<raw.shape[0] {
            for j in 0..<d { scalars[i * d + j] = (scalars[i * d + j] - centre[j]) * scale[j] }
        }
        return Tensor(shape: raw.shape, scalars: scalars)
    }

    public func statistics(_ layers: FeatureLayers) -> FeatureStatistics {
        switch layers {
        case .penultimate: penultimate
        case .multi: multi
        }
    }
}
