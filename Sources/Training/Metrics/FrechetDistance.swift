// Fréchet distance between two Gaussians fitted to feature sets (the FID formula):
// ‖μ₁ − μ₂‖² + tr(Σ₁ + Σ₂ − 2·(Σ₁^{1/2} Σ₂ Σ₁^{1/2})^{1/2}), with both square roots taken by a
// symmetric eigen-decomposition (Jacobi, Double). Σ₁^{1/2}Σ₂Σ₁^{1/2} is symmetric PSD and has the
// same eigenvalues as Σ₁Σ₂, so its trace-sqrt equals scipy's tr sqrtm(Σ₁Σ₂).
// Invariant: covariances use the unbiased 1/(n − 1) normalisation, as numpy.cov does.
import TensorCore

/// Mean and covariance of a set of feature vectors; store a reference set's once and reuse it.
public struct FeatureStatistics: Sendable, Equatable, Codable {
    public let dimension: Int
    public let count: Int
    /// [d]
    public let mean: [Double]
    /// [d, d] row-major.
    public let covariance: [Double]

    /// Statistics of `features` [N, d] (N ≥ 2), accumulated in Double.
    public init(features: Tensor) {
        precondition(
            features.rank == 2 && features.shape[0] >= 2,
            "FeatureStatistics needs features [N ≥ 2, d], got \(features.shape)")
        let n = features.shape[0], d = features.shape[1]
        var mean = [Double](repeating: 0, count: d)
        for i in 0..<n { for j in 0..<d { mean[j] += Double(features.scalars[i * d + j]) } }
        for j in 0..<d { mean[j] /= Double(n) }
        var covariance = [Double](repeating: 0, count: d * d)
        var centred = [Double](repeating: 0, count: d)
        for i in 0..<n {
            for j in 0..<d { centred[j] = Double(features.scalars[i * d + j]) - mean[j] }
            for j in 0..<d { for k in j..<d { covariance[j * d + k] += centred[j] * centred[k] } }
        }
        for j in 0..<d {
            for k in j..<d {
                covariance[j * d + k] /= Double(n - 1)
                covariance[k * d + j] = covariance[j * d + k]
            }
        }
        self.dimension = d
        self.count = n
        self.mean = mean
        self.covariance = covariance
    }
}

public enum FrechetDistance {
    /// Fréchet distance between the Gaussians of two feature sets [N₁, d] and [N₂, d].
    public static func distance(_ first: Tensor, _ second: Tensor) -> Double {
        distance(FeatureStatistics(features: first), FeatureStatistics(features: second))
    }

    public static func distance(_ first: FeatureStatistics, _ second: FeatureStatistics) -> Double {
        precondition(
            first.dimension == second.dimension,
            "FrechetDistance: feature dimensions \(first.dimension) and \(second.dimension) differ")
        let d = first.dimension
        var meanTerm = 0.0
        for j in 0..<d { meanTerm += (first.mean[j] - second.mean[j]) * (first.mean[j] - second.mean[j]) }
        // Covariances are PSD; eigenvalues slightly below zero are round-off and clamp to 0.
        let root = SymmetricEigen(symmetric: first.covariance, dimension: d)
            .reconstructed { max($0, 0).squareRoot() }
        let product = multiply(multiply(root, second.covariance, d), root, d)
        let traceRoot = SymmetricEigen(symmetric: product, dimension: d).values
            .reduce(0) { $0 + max($1, 0).squareRoot() }
        var traces = 0.0
        for j in 0..<d { traces += first.covariance[j * d + j] + second.covariance[j * d + j] }
        // Mathematically ≥ 0; a tiny negative value is cancellation between equal sets.
        return max(0, meanTerm + traces - 2 * traceRoot)
    }

    /// Plain d×d product (d ≤ a few hundred; runs once per evaluation).
    static func multiply(_ a: [Double], _ b: [Double], _ d: Int) -> [Double] {
        var c = [Double](repeating: 0, count: d * d)
        for i in 0..<d {
            for k in 0..<d {
                let aik = a[i * d + k]
                if aik == 0 { continue }
                for j in 0..<d { c[i * d + j] += aik * b[k * d + j] }
            }
        }
        return c
    }
}
