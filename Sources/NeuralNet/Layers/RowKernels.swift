// Row-wise kernels over [rows, columns] channels-last blocks (GroupNorm's passes). The inner loop
// runs over contiguous channels with per-channel coefficients, so it vectorises; rows stream once.
// Where the CPU has AVX-512F the forward passes run their bit-identical twins in CVectorKernels.
import CVectorKernels

/// sums[c] = Σ_r m[r, c]
func columnSums(_ m: UnsafePointer<Float>, rows: Int, columns: Int, into sums: inout [Float]) {
    sums.withUnsafeMutableBufferPointer { s in
        guard let s = s.baseAddress else { return }
        s.update(repeating: 0, count: columns)
        accumulateColumnSums(m, rows: rows, columns: columns, into: s)
    }
}

/// sums[c] = Σ_r (m[r, c] − centres[c])²
func centredSquareSums(_ m: UnsafePointer<Float>, rows: Int, columns: Int, centres: [Float], into sums: inout [Float]) {
    centres.withUnsafeBufferPointer { centre in
        sums.withUnsafeMutableBufferPointer { s in
            guard let centre = centre.baseAddress, let s = s.baseAddress else { return }
            if VectorKernels.avx512 {
                kac_centred_square_sums(m, rows, columns, centre, s)
            } else {
                PortableKernels.centredSquareSums(m, rows: rows, columns: columns, centres: centre, into: s)
            }
        }
    }
}

/// out[r, c] = m[r, c]·scale[c] + shift[c], followed by SiLU when `silu` (GroupNorm fused with the
/// activation after it, for inference).
func scaleAndShiftRows(
    _ m: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, rows: Int, columns: Int,
    scale: [Float], shift: [Float], silu: Bool = false
) {
    scale.withUnsafeBufferPointer { a in
        shift.withUnsafeBufferPointer { b in
            guard let a = a.baseAddress, let b = b.baseAddress else { return }
            if VectorKernels.avx512 {
                kac_scale_shift_rows(m, out, rows, columns, a, b, silu ? 1 : 0)
            } else {
                PortableKernels.scaleAndShiftRows(m, out, rows: rows, columns: columns, scale: a, shift: b, silu: silu)
            }
        }
    }
}

/// sumDyXhat[c] = Σ_r dy·(x − mean[c])·inverse[c],  sumDy[c] = Σ_r dy
func normalizedProductSums(
    _ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, rows: Int, columns: Int,
    mean: [Float], inverse: [Float], sumDyXhat: inout [Float], sumDy: inout [Float]
) {
    mean.withUnsafeBufferPointer { mu in
        sumDyXhat.withUnsafeMutableBufferPointer { product in
            sumDy.withUnsafeMutableBufferPointer { plain in
                product.update(repeating: 0)
                plain.update(repeating: 0)
                for row in 0..<rows {
                    let xr = x + row * columns, dyr = dy + row * columns
                    for c in 0..<columns {
                        product[c] += dyr[c] * (xr[c] - mu[c])
                        plain[c] += dyr[c]
                    }
                }
            }
        }
    }
    for c in 0..<columns { sumDyXhat[c] *= inverse[c] }
}

/// out[r, c] = dy[r, c]·dyScale[c] + x[r, c]·xScale[c] + shift[c]
func linearCombineRows(
    _ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
    rows: Int, columns: Int, dyScale: [Float], xScale: [Float], shift: [Float]
) {
    dyScale.withUnsafeBufferPointer { a in
        xScale.withUnsafeBufferPointer { b in
            shift.withUnsafeBufferPointer { s in
                for row in 0..<rows {
                    let dyr = dy + row * columns, xr = x + row * columns, target = out + row * columns
                    for c in 0..<columns { target[c] = dyr[c] * a[c] + xr[c] * b[c] + s[c] }
                }
            }
        }
    }
}
