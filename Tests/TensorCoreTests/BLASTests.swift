import TensorCore
import TestSupport
// OpenBLAS wrapper agrees with a plain triple loop, in every transpose combination.
import Testing

@Suite struct BLASTests {
    /// Float32 sums of ~50 products: relative error well under 1e-5.
    static let tolerance: Float = 1e-5

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func sgemmMatchesPlainLoops(transposeA: Bool, transposeB: Bool) {
        let m = 7, n = 5, k = 11
        var rng = RandomSource(seed: 1)
        let a = (0..<(m * k)).map { _ in Float(rng.normal()) }
        let b = (0..<(k * n)).map { _ in Float(rng.normal()) }
        let c = sgemmProduct(a, b, m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB)
        var expected = [Float](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var sum: Float = 0
                for p in 0..<k {
                    let av = transposeA ? a[p * m + i] : a[i * k + p]
                    let bv = transposeB ? b[j * k + p] : b[p * n + j]
                    sum += av * bv
                }
                expected[i * n + j] = sum
            }
        }
        #expect(maxRelativeError(c, expected) < Self.tolerance)
    }

    @Test func reportsACoreName() {
        #expect(!BLAS.coreName.isEmpty)
        #expect(BLAS.threadCount >= 1)
    }
}

/// op(A) · op(B) through `BLAS.sgemm`, as a new row-major m × n array.
func sgemmProduct(
    _ a: [Float], _ b: [Float], m: Int, n: Int, k: Int, transposeA: Bool = false, transposeB: Bool = false
) -> [Float] {
    var c = [Float](repeating: 0, count: m * n)
    a.withUnsafeBufferPointer { pa in
        b.withUnsafeBufferPointer { pb in
            c.withUnsafeMutableBufferPointer { pc in
                BLAS.sgemm(
                    transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                    a: pa.baseAddress!, lda: transposeA ? m : k,
                    b: pb.baseAddress!, ldb: transposeB ? k : n,
                    c: pc.baseAddress!, ldc: n)
            }
        }
    }
    return c
}
