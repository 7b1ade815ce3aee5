// Row-wise softmax and its backward, in place on row-major [rows, columns] buffers (attention
// scores, classifier logits). The row maximum is subtracted first so exp never overflows.

/// m[r, :] ← softmax(m[r, :])
@inline(__always)
func softmaxRows(_ m: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
    for row in 0..<rows {
        let values = m + row * columns
        var largest = -Float.infinity
        for j in 0..<columns { largest = max(largest, values[j]) }
        for j in 0..<columns { values[j] = fastExp(values[j] - largest) }
        var total: Float = 0
        for j in 0..<columns { total += values[j] }
        let inverse = 1 / total
        for j in 0..<columns { values[j] *= inverse }
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
