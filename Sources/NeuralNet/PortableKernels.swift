// The portable Swift loops of the elementwise kernels that have AVX-512 twins in CVectorKernels:
// what runs where the CPU lacks AVX-512F, and the reference the twins are tested against bit for
// bit (VectorKernelTests). Layers call the dispatching functions (SiLU.forward, RowKernels,
// accumulateColumnSums), never these directly.
public enum PortableKernels {
    /// y[i] = x[i]·σ(x[i]) (FastMath's exp).
    public static func silu(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { y[i] = x[i] * fastSigmoid(x[i]) }
    }

    /// y[r, c] = x[r, c]·scale[c] + shift[c], then SiLU when `silu`.
    public static func scaleAndShiftRows(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int, columns: Int,
        scale: UnsafePointer<Float>, shift: UnsafePointer<Float>, silu: Bool
    ) {
        for row in 0..<rows {
            let source = x + row * columns, target = y + row * columns
            for c in 0..<columns { target[c] = source[c] * scale[c] + shift[c] }
            if silu { for c in 0..<columns { target[c] = target[c] * fastSigmoid(target[c]) } }
        }
    }

    /// m[r, :] ← softmax(m[r, :]): the row maximum subtracted, FastMath's exp, then a multiply by
    /// 1 / (the row's sum, added in order).
    public static func softmaxRows(_ m: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
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

    /// sums[c] += Σ_r m[r, c], rows in order.
    public static func accumulateColumnSums(
        _ m: UnsafePointer<Float>, rows: Int, columns: Int, into sums: UnsafeMutablePointer<Float>
    ) {
        for row in 0..<rows {
            let source = m + row * columns
            for c in 0..<columns { sums[c] += source[c] }
        }
    }

    /// sums[c] = Σ_r (m[r, c] − centres[c])², rows in order.
    public static func centredSquareSums(
        _ m: UnsafePointer<Float>, rows: Int, columns: Int, centres: UnsafePointer<Float>,
        into sums: UnsafeMutablePointer<Float>
    ) {
        sums.update(repeating: 0, count: columns)
        for row in 0..<rows {
            let source = m + row * columns
            for c in 0..<columns {
                let d = source[c] - centres[c]
                sums[c] += d * d
            }
        }
    }
}
