// Row-wise softmax and its backward, in place on row-major [rows, columns] buffers (attention
// scores, classifier logits). The row maximum is subtracted first so exp never overflows.
import CVectorKernels

/// m[r, :] ← softmax(m[r, :]) (the AVX-512 twin where the CPU has it, same bits).
@inline(__always)
func softmaxRows(_ m: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
    if VectorKernels.avx512 {
        kac_softmax_rows(m, rows, columns)
    } else {
        PortableKernels.softmaxRows(m, rows: rows, columns: columns)
    }
}

/// g[r, :] ← p ⊙ (g − ⟨p, g⟩) per row: turns dL/d(softmax) into dL/d(logits) given p = softmax.
@inline(__always)
func softmaxBackwardRows(_ p: UnsafePointer<Float>, _ g: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
    for row in 0..<rows {
        let probabilities = p + row * columns, gradient = g + row * columns
        var inner: Float = 0
        for j in 0..<columns { inner += probabilities[j] * gradient[j] }
        for j in 0..<columns { gradient[j] = probabilities[j] * (gradient[j] - inner) }
    }
}
