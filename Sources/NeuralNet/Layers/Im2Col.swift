// im2col and its adjoint col2im for NHWC images. A column row is one output position; its K = k·k·C
// entries are ordered (ky, kx, c), matching the [k, k, Cin, Cout] weight layout, so a convolution is
// one GEMM. Invariant: col2im(dColumns) is the exact transpose of im2col (padding taps drop out).

/// Geometry of one convolution over NHWC images.
struct ConvolutionGeometry {
    let height: Int, width: Int, channels: Int
    let kernelSize: Int, stride: Int, padding: Int
    var outputHeight: Int { (height + 2 * padding - kernelSize) / stride + 1 }
    var outputWidth: Int { (width + 2 * padding - kernelSize) / stride + 1 }
    /// Entries per column row: k·k·C.
    var columnWidth: Int { kernelSize * kernelSize * channels }
    var rowsPerImage: Int { outputHeight * outputWidth }
}

/// Fills `columns` ([images·Ho·Wo, k·k·C]) from `input` ([images, H, W, C]); padding taps are zero.
func im2col(
    _ input: UnsafePointer<Float>, images: Int, geometry g: ConvolutionGeometry,
    columns: UnsafeMutablePointer<Float>
) {
    let (h, w, c, k) = (g.height, g.width, g.channels, g.kernelSize)
    let (ho, wo, kw) = (g.outputHeight, g.outputWidth, g.columnWidth)
    do {
        for imageRow in 0..<(images * ho) {
            let image = imageRow / ho, oy = imageRow % ho
            let source = input + image * h * w * c
            for ox in 0..<wo {
                let row = columns + (imageRow * wo + ox) * kw
                let x0 = ox * g.stride - g.padding
                for ky in 0..<k {
                    let iy = oy * g.stride - g.padding + ky
                    let destination = row + ky * k * c
                    if iy < 0 || iy >= h {
                        destination.update(repeating: 0, count: k * c)
                    } else if x0 >= 0 && x0 + k <= w {
                        // All k taps inside: they are k consecutive pixels, one contiguous copy.
                        destination.update(from: source + (iy * w + x0) * c, count: k * c)
                    } else {
                        for kx in 0..<k {
                            let ix = x0 + kx
                            if ix < 0 || ix >= w {
                                (destination + kx * c).update(repeating: 0, count: c)
                            } else {
                                (destination + kx * c).update(from: source + (iy * w + ix) * c, count: c)
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Assigns `output` ([images, H, W, C]) the adjoint of im2col applied to `columns`: every input pixel
/// gathers the column entries that read it. Gathering (not scattering) lets pixels run in parallel.
func col2im(
    _ columns: UnsafePointer<Float>, images: Int, geometry g: ConvolutionGeometry,
    output: UnsafeMutablePointer<Float>
) {
    let (h, w, c, k, s, p) = (g.height, g.width, g.channels, g.kernelSize, g.stride, g.padding)
    let (ho, wo, kw) = (g.outputHeight, g.outputWidth, g.columnWidth)
    do {
        for imageRow in 0..<(images * h) {
            let image = imageRow / h, iy = imageRow % h
            let imageColumns = columns + image * ho * wo * kw
            for ix in 0..<w {
                let pixel = output + (imageRow * w + ix) * c
                pixel.update(repeating: 0, count: c)
                // Taps that read this pixel: ky ≡ iy + p (mod s) with 0 ≤ (iy + p − ky)/s < ho.
                for ky in Swift.stride(from: (iy + p) % s, to: k, by: s) {
                    let oy = (iy + p - ky) / s
                    guard oy >= 0, oy < ho else { continue }
                    for kx in Swift.stride(from: (ix + p) % s, to: k, by: s) {
                        let ox = (ix + p - kx) / s
                        guard ox >= 0, ox < wo else { continue }
                        let entry = imageColumns + (oy * wo + ox) * kw + (ky * k + kx) * c
                        for channel in 0..<c { pixel[channel] += entry[channel] }
                    }
                }
            }
        }
    }
}
