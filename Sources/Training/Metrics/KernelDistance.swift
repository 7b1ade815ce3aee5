// Kernel distance (KID, Bińkowski et al. 2018 "Demystifying MMD GANs"): the unbiased estimate of the
// squared maximum mean discrepancy between two feature sets under the cubic polynomial kernel
// k(x, y) = (xᵀy / d + 1)³,
//   MMD²ᵤ = Σ_{i≠j} k(xᵢ, xⱼ) / (m(m − 1)) + Σ_{i≠j} k(yᵢ, yⱼ) / (n(n − 1)) − 2 Σ_{i,j} k(xᵢ, yⱼ) / (mn).
// Invariant: unbiased — two samples of one distribution score 0 in expectation at any size (it can
// be slightly negative), unlike the Fréchet distance, whose bias grows as the sample shrinks.
// Class-balanced sets (labels cycling, as `kac eval` draws them) are not i.i.d.: a set of n with
// n/C of each of C classes has fewer same-class pairs (n/C − 1)/(n − 1) than the 1/C of i.i.d.
// draws, and same-class pairs have the larger kernel values, so the plain within-set mean runs
// low (at n = 1000 on penultimate features enough to push real images clearly below 0). Given the
// labels, the within-set mean weights same-class pairs 1/C and the others 1 − 1/C, which is
// unbiased for equal class counts; the cross term needs no such weighting.
// Dot products come from sgemm in Float (relative error ~1e-7 per entry, far below the sampling
// noise); the cubes and sums are Double.
import TensorCore

/// The reference side of a kernel distance, computed once: its features and its within-set term.
public struct KernelReference: Sendable, Equatable {
    /// [n, d]
    public let features: Tensor
    /// Mean of k(yᵢ, yⱼ) over pairs i ≠ j (class-weighted when the reference was given labels).
    public let withinMean: Double

    /// `labels` (one per row, or nil) select the class-weighted within-set mean.
    public init(features: Tensor, labels: [Int]? = nil) {
        self.init(features: features, withinMean: KernelDistance.withinMean(features, labels: labels))
    }

    /// For a cache that stored `withinMean` next to the features.
    public init(features: Tensor, withinMean: Double) {
        precondition(
            features.rank == 2 && features.shape[0] >= 2,
            "KernelReference needs features [N ≥ 2, d], got \(features.shape)")
        self.features = features
        self.withinMean = withinMean
    }

    public var dimension: Int { features.shape[1] }
}

public enum KernelDistance {
    /// Rows per sgemm block: bounds the Gram workspace at blockRows × n floats (a 10,000-image
    /// reference: 10 MB).
    static let blockRows = 256

    /// Unbiased MMD² between feature sets [m, d] and [n, d] (m, n ≥ 2), optionally class-weighted.
    public static func distance(
        _ first: Tensor, labels firstLabels: [Int]? = nil,
        _ second: Tensor, labels secondLabels: [Int]? = nil
    ) -> Double {
        distance(first, labels: firstLabels, reference: KernelReference(features: second, labels: secondLabels))
    }

    /// Unbiased MMD² between `features` [m, d] (with their class labels, or nil) and a precomputed reference.
    public static func distance(_ features: Tensor, labels: [Int]? = nil, reference: KernelReference) -> Double {
        precondition(
            features.rank == 2 && features.shape[0] >= 2 && features.shape[1] == reference.dimension,
            "KernelDistance: features \(features.shape) against a reference of dimension \(reference.dimension)")
        return withinMean(features, labels: labels) + reference.withinMean - 2 * crossMean(features, reference.features)
    }

    /// Mean of k(xᵢ, xⱼ) over pairs i ≠ j; with labels, (1/C)·(same-class mean) + (1 − 1/C)·(other mean).
    static func withinMean(_ x: Tensor, labels: [Int]?) -> Double {
        let m = x.shape[0]
        guard let labels else {
            return kernelSum(x, x, excludingDiagonal: true).all / Double(m * (m - 1))
        }
        precondition(labels.count == m, "KernelDistance: \(labels.count) labels for \(m) feature rows")
        var counts: [Int: Int] = [:]
        for label in labels { counts[label, default: 0] += 1 }
        let samePairs = counts.values.reduce(0) { $0 + $1 * ($1 - 1) }, otherPairs = m * (m - 1) - samePairs
        precondition(samePairs > 0 && otherPairs > 0, "KernelDistance: class weighting needs ≥ 2 classes with ≥ 2 members")
        let sums = kernelSum(x, x, excludingDiagonal: true, labels: labels)
        let classWeight = 1 / Double(counts.count)
        return classWeight * sums.sameClass / Double(samePairs)
            + (1 - classWeight) * (sums.all - sums.sameClass) / Double(otherPairs)
    }

    /// Σ_{i,j} k(xᵢ, yⱼ) / (mn).
    static func crossMean(_ x: Tensor, _ y: Tensor) -> Double {
        kernelSum(x, y, excludingDiagonal: false).all / Double(x.shape[0] * y.shape[0])
    }

    /// Σ k(xᵢ, yⱼ) over all pairs (i ≠ j when `excludingDiagonal`, for x = y), a block of x's rows at
    /// a time; with `labels` (x = y), also the part of that sum over pairs of one class.
    private static func kernelSum(
        _ x: Tensor, _ y: Tensor, excludingDiagonal: Bool,
        labels: [Int]? = nil
    ) -> (all: Double, sameClass: Double) {
        let (m, n, d) = (x.shape[0], y.shape[0], x.shape[1])
        precondition(y.shape[1] == d, "KernelDistance: dimensions \(d) and \(y.shape[1]) differ")
        let scale = 1 / Double(d)
        var gram = [Float](repeating: 0, count: min(blockRows, m) * n)
        var total = 0.0, sameClass = 0.0
        var start = 0
        while start < m {
            let rows = min(blockRows, m - start)
            x.scalars.withUnsafeBufferPointer { a in
                y.scalars.withUnsafeBufferPointer { b in
                    gram.withUnsafeMutableBufferPointer { c in
                        guard let a = a.baseAddress, let b = b.baseAddress, let c = c.baseAddress else { return }
                        BLAS.sgemm(
                            transposeA: false, transposeB: true, m: rows, n: n, k: d,
                            a: a + start * d, lda: d, b: b, ldb: d, c: c, ldc: n)
                    }
                }
            }
            for i in 0..<rows {
                var rowSum = 0.0, rowSame = 0.0
                func kernel(_ j: Int) -> Double {
                    let base = Double(gram[i * n + j]) * scale + 1
                    return base * base * base
                }
                if let labels {
                    let label = labels[start + i]
                    for j in 0..<n {
                        let value = kernel(j)
                        rowSum += value
                        if labels[j] == label { rowSame += value }
                    }
                } else {
                    for j in 0..<n { rowSum += kernel(j) }
                }
                if excludingDiagonal {
                    rowSum -= kernel(start + i)
                    if labels != nil { rowSame -= kernel(start + i) }
                }
                total += rowSum
                sameClass += rowSame
            }
            start += rows
        }
        return (total, sameClass)
    }
}
