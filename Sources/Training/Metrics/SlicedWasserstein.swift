// Sliced Wasserstein-2 distance between two point clouds [N₁, d] and [N₂, d]: the root mean over
// seeded random unit directions θ of W₂² between the 1-D projections θ·x. In 1-D, W₂ between
// empirical measures matches sorted samples (quantile functions); with N₁ ≠ N₂ both quantile
// functions are read at the max(N₁, N₂) midpoints (i + ½)/m, which is exact when N₁ = N₂.
// Invariant: same inputs, projection count and seed give the same value (directions come from
// RandomSource(seed:), never a global generator).
import TensorCore

public enum SlicedWasserstein {
    /// SW₂ with `projections` directions drawn uniformly on the sphere from `seed`. The Monte
    /// Carlo error over directions is relative ~1/√projections of the spread of W₂²(θ).
    public static func distance(_ first: Tensor, _ second: Tensor, projections: Int = 256, seed: UInt64 = 0) -> Double {
        precondition(
            first.rank == 2 && second.rank == 2 && first.shape[1] == second.shape[1],
            "SlicedWasserstein needs [N₁, d] and [N₂, d], got \(first.shape) and \(second.shape)")
        precondition(
            first.shape[0] > 0 && second.shape[0] > 0 && projections > 0,
            "SlicedWasserstein needs non-empty clouds and at least one projection")
        let d = first.shape[1]
        var random = RandomSource(seed: seed)
        var total = 0.0
        var direction = [Double](repeating: 0, count: d)
        for _ in 0..<projections {
            var norm = 0.0
            repeat {
                for j in 0..<d { direction[j] = random.normal() }
                norm = direction.reduce(0) { $0 + $1 * $1 }.squareRoot()
            } while norm == 0
            for j in 0..<d { direction[j] /= norm }
            let a = project(first, direction).sorted(), b = project(second, direction).sorted()
            total += squaredQuantileDistance(a, b)
        }
        return (total / Double(projections)).squareRoot()
    }

    /// W₂² between two sorted 1-D samples.
    static func squaredQuantileDistance(_ a: [Double], _ b: [Double]) -> Double {
        if a.count == b.count {
            return zip(a, b).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / Double(a.count)
        }
        let m = max(a.count, b.count)
        var sum = 0.0
        for i in 0..<m {
            let u = (Double(i) + 0.5) / Double(m)
            let difference = a[Int(u * Double(a.count))] - b[Int(u * Double(b.count))]
            sum += difference * difference
        }
        return sum / Double(m)
    }

    static func project(_ points: Tensor, _ direction: [Double]) -> [Double] {
        let d = direction.count
        return (0..<points.shape[0]).map { i in
            var dot = 0.0
            for j in 0..<d { dot += Double(points.scalars[i * d + j]) * direction[j] }
            return dot
        }
    }
}
