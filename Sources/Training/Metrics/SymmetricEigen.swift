// Eigen-decomposition of a real symmetric matrix by the cyclic Jacobi method, in Double. Used by
// the Fréchet distance (matrix square roots of covariances, dimension ≤ a few hundred), where
// its simplicity and high relative accuracy on small eigenvalues matter more than speed
// (~5n³ flops per sweep, 8–12 sweeps: FD at d = 256 takes about a second or two).
// Invariant: A = V·diag(values)·Vᵀ with V orthogonal, to ~1e-14·‖A‖ per entry.

public struct SymmetricEigen: Sendable {
    /// Eigenvalues, ascending.
    public let values: [Double]
    /// Eigenvectors as the columns of an n×n row-major matrix (column k belongs to values[k]).
    public let vectors: [Double]
    public let dimension: Int

    /// Decomposes the symmetric n×n row-major `matrix` (only symmetric input is meaningful; the
    /// average of the two triangles is what gets decomposed).
    public init(symmetric matrix: [Double], dimension n: Int) {
        precondition(matrix.count == n * n, "SymmetricEigen: \(matrix.count) entries for dimension \(n)")
        var a = matrix
        for i in 0..<n {
            for j in (i + 1)..<max(n, i + 1) { let m = 0.5 * (a[i * n + j] + a[j * n + i]); a[i * n + j] = m; a[j * n + i] = m }
        }
        var vt = [Double](repeating: 0, count: n * n)
        for i in 0..<n { vt[i * n + i] = 1 }
        Self.jacobi(&a, &vt, n)
        let order = (0..<n).sorted { a[$0 * n + $0] < a[$1 * n + $1] }
        values = order.map { a[$0 * n + $0] }
        var sortedVectors = [Double](repeating: 0, count: n * n)
        for (column, k) in order.enumerated() { for i in 0..<n { sortedVectors[i * n + column] = vt[k * n + i] } }
        vectors = sortedVectors
        dimension = n
    }

    /// V·diag(transform(values))·Vᵀ, e.g. the square root with `{ max($0, 0).squareRoot() }`.
    public func reconstructed(applying transform: (Double) -> Double) -> [Double] {
        let n = dimension
        let mapped = values.map(transform)
        var result = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in i..<n {
                var sum = 0.0
                for k in 0..<n { sum += vectors[i * n + k] * mapped[k] * vectors[j * n + k] }
                result[i * n + j] = sum
                result[j * n + i] = sum
            }
        }
        return result
    }

    /// Cyclic sweeps of plane rotations until the off-diagonal mass is negligible against the
    /// diagonal (relative 1e-30 in squares, i.e. ~1e-15 in norm) or 100 sweeps have run
    /// (convergence is quadratic; 8–12 sweeps are typical). Rotation as in Numerical Recipes
    /// §11.1, using symmetry: rows p and q are updated contiguously and mirrored into the
    /// columns, and the 2×2 block gets its closed form (a_pq → 0). `vt` holds eigenvectors as
    /// rows (the transpose of V) so its update is contiguous too.
    private static func jacobi(_ a: inout [Double], _ vt: inout [Double], _ n: Int) {
        a.withUnsafeMutableBufferPointer { a in
            vt.withUnsafeMutableBufferPointer { vt in
                for _ in 0..<100 {
                    var off = 0.0, diagonal = 0.0
                    for i in 0..<n {
                        diagonal += a[i * n + i] * a[i * n + i]
                        for j in (i + 1)..<max(n, i + 1) { off += a[i * n + j] * a[i * n + j] }
                    }
                    if off <= 1e-30 * diagonal || off == 0 { return }
                    for p in 0..<(n - 1) {
                        for q in (p + 1)..<n {
                            let apq = a[p * n + q]
                            if apq == 0 { continue }
                            let theta = (a[q * n + q] - a[p * n + p]) / (2 * apq)
                            let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                            let c = 1 / (t * t + 1).squareRoot(), s = t * c
                            for k in 0..<n where k != p && k != q {
                                let apk = a[p * n + k], aqk = a[q * n + k]
                                let newP = c * apk - s * aqk, newQ = s * apk + c * aqk
                                a[p * n + k] = newP
                                a[q * n + k] = newQ
                                a[k * n + p] = newP
                                a[k * n + q] = newQ
                            }
                            a[p * n + p] -= t * apq
                            a[q * n + q] += t * apq
                            a[p * n + q] = 0
                            a[q * n + p] = 0
                            for k in 0..<n {
                                let vp = vt[p * n + k], vq = vt[q * n + k]
                                vt[p * n + k] = c * vp - s * vq
                                vt[q * n + k] = s * vp + c * vq
                            }
                        }
                    }
                }
            }
        }
    }
}
