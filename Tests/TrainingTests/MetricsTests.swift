// Metrics against numpy/scipy golden values from tools/golden/metrics.py (closed-form inputs, so
// no random generator must match across languages), plus properties: Jacobi reconstruction and
// orthogonality, FD and SW of identical sets are 0, SW of a translated cloud.
import Foundation
import TensorCore
import Testing
import Training

@Suite struct MetricsTests {
    /// Same formula as features() in tools/golden/metrics.py, rounded to Float like the script.
    static func features(_ n: Int, _ d: Int, shift: Double, scale: Double = 1) -> Tensor {
        var scalars: [Float] = []
        for i in 0..<n {
            for j in 0..<d {
                let (x, y) = (Double(i), Double(j))
                let value = sin(1.7 * x * (y + 1) + 0.3 * y + shift) * (1 + 0.1 * y) + 0.05 * shift * y
                scalars.append(Float(Double(Float(value)) * scale))
            }
        }
        return Tensor(shape: [n, d], scalars: scalars)
    }

    @Test func jacobiEigenvaluesOfHilbertMatrix() {
        let n = 6
        let hilbert = (0..<(n * n)).map { 1 / Double($0 / n + $0 % n + 1) }
        let eigen = SymmetricEigen(symmetric: hilbert, dimension: n)
        let golden = [
            1.0827994844532908e-07, 1.257075712262841e-05, 0.000615748354182639,
            0.016321521319875815, 0.24236087057520933, 1.618899858924339,
        ]
        // Jacobi is accurate to ~1e-15·‖A‖ (‖A‖ ≈ 1.6) in absolute terms, even for the 1e-7 one.
        for (value, expected) in zip(eigen.values, golden) { #expect(abs(value - expected) < 1e-13) }
        let rebuilt = eigen.reconstructed { $0 }
        #expect(zip(rebuilt, hilbert).allSatisfy { abs($0 - $1) < 1e-13 })
        for i in 0..<n {
            for j in 0..<n {
                let dot = (0..<n).reduce(0.0) { $0 + eigen.vectors[$1 * n + i] * eigen.vectors[$1 * n + j] }
                #expect(abs(dot - (i == j ? 1 : 0)) < 1e-13)
            }
        }
    }

    @Test func frechetDistanceMatchesScipy() {
        let a = Self.features(300, 8, shift: 0), b = Self.features(250, 8, shift: 1)
        let distance = FrechetDistance.distance(a, b)
        // Double throughout on identical Float inputs; sqrtm vs eigen-route differ by round-off.
        #expect(abs(distance - 0.36175514032653766) < 1e-9, "FD \(distance)")
        #expect(FrechetDistance.distance(a, a) < 1e-9)
        let stats = FeatureStatistics(features: a)
        #expect(stats.count == 300 && stats.dimension == 8 && stats.covariance.count == 64)
    }

    @Test func slicedWassersteinIsExactInOneDimension() {
        let x = Self.features(500, 1, shift: 0), y = Self.features(500, 1, shift: 2, scale: 1.5)
        let distance = SlicedWasserstein.distance(x, y, projections: 4, seed: 1)
        #expect(abs(distance - 0.35491998068724484) < 1e-12)
    }

    /// A cloud and its translate by δ: every projection has W₂² = (θ·δ)², whose mean over the
    /// sphere is |δ|²/d; with 2000 directions the Monte Carlo relative error of that mean is
    /// ≈ √(2/(d+2))/√2000 ≈ 1.3 % at d = 10, so a 7 % band is over 5 standard errors.
    @Test func slicedWassersteinOfATranslate() {
        let d = 10
        let cloud = Self.features(200, d, shift: 0.5)
        var shifted = cloud
        for i in 0..<200 { for j in 0..<d { shifted.scalars[i * d + j] += Float(j % 2 == 0 ? 0.3 : -0.3) } }
        let expected = (0.3 * 0.3 * Double(d) / Double(d)).squareRoot()  // |δ|²/d with |δ|² = 0.09·d
        let distance = SlicedWasserstein.distance(cloud, shifted, projections: 2000, seed: 7)
        #expect(abs(distance * distance / (expected * expected) - 1) < 0.07, "SW \(distance) vs \(expected)")
        #expect(SlicedWasserstein.distance(cloud, cloud) == 0)
        #expect(SlicedWasserstein.distance(cloud, shifted, seed: 3) == SlicedWasserstein.distance(cloud, shifted, seed: 3))
        // Unequal sizes go through the quantile grid: a cloud listed twice is the same measure.
        let doubled = Tensor(shape: [400, d], scalars: cloud.scalars + cloud.scalars)
        #expect(SlicedWasserstein.distance(doubled, cloud, projections: 50, seed: 2) == 0)
        let viaGrid = SlicedWasserstein.distance(doubled, shifted, projections: 50, seed: 2)
        let equalSizes = SlicedWasserstein.distance(cloud, shifted, projections: 50, seed: 2)
        #expect(abs(viaGrid - equalSizes) < 1e-12)
    }
}
