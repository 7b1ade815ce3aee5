// Plain-loop matrix products for the attention core, where matrices are tiny (49×49×16) and live
// inside strided buffers. Loops run "axpy-style" (the innermost loop walks a contiguous output row),
// which vectorises without reassociating sums; a BLAS call per head would cost more in overhead.

/// C[m×n] (+)= A[m×k] · B[k×n]; all row-major with the given row strides.
@inline(__always)
func smallMatrixProduct(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                        c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool, alpha: Float = 1) {
    for i in 0..<m {
        let row = c + i * ldc
        if !accumulate { row.update(repeating: 0, count: n) }
        for p in 0..<k {
            let factor = alpha * a[i * lda + p]
            let source = b + p * ldb
            for j in 0..<n { row[j] += factor * source[j] }
        }
    }
}

/// C[m×n] += alpha · Aᵀ · B, where A is stored [k×m] and B is [k×n].
@inline(__always)
func smallMatrixProductTransposedA(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>,
                                   ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float = 1) {
    for p in 0..<k {
        let source = b + p * ldb
        for i in 0..<m {
            let factor = alpha * a[p * lda + i]
            let row = c + i * ldc
            for j in 0..<n { row[j] += factor * source[j] }
        }
    }
}

/// T[cols×rows] = Mᵀ for an M of `rows`×`cols` stored with row stride `ld`.
@inline(__always)
func transpose(rows: Int, columns: Int, _ m: UnsafePointer<Float>, ld: Int, into t: UnsafeMutablePointer<Float>) {
    for r in 0..<rows {
        for c in 0..<columns { t[c * rows + r] = m[r * ld + c] }
    }
}
