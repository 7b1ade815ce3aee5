// Winograd F(2×2, 3×3) for 3×3, stride-1, padding-1 convolutions of NHWC images: each 2×2 output
// tile comes from a 4×4 input tile as Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A, summed over input channels, which
// turns into 16 GEMMs [tiles, Cin]·[Cin, Cout] with 16 multiplies per tile instead of 36 (2.25×
// fewer). Invariant: tiles reaching past the image read zeros (the padding) and their outputs past
// the image are dropped, so any H and W work. Float error grows by a few ulps (the transforms only
// add, subtract and halve).

enum Winograd {
    /// u [16, Cin, Cout] = G·g·Gᵀ for every (ci, co), from weights [3, 3, Cin, Cout].
    static func transformWeights(_ weight: UnsafePointer<Float>, inputChannels cin: Int, outputChannels cout: Int,
                                 into u: UnsafeMutablePointer<Float>) {
        let plane = cin * cout
        for entry in 0..<plane {
            func g(_ ky: Int, _ kx: Int) -> Float { weight[(ky * 3 + kx) * plane + entry] }
            // G rows over the kernel's rows: g0, (g0 + g1 + g2)/2, (g0 − g1 + g2)/2, g2; then over columns.
            for row in 0..<4 {
                func gg(_ x: Int) -> Float {
                    switch row {
                    case 0: g(0, x)
                    case 1: (g(0, x) + g(1, x) + g(2, x)) / 2
                    case 2: (g(0, x) - g(1, x) + g(2, x)) / 2
                    default: g(2, x)
                    }
                }
                let (r0, r1, r2) = (gg(0), gg(1), gg(2))
                u[(row * 4) * plane + entry] = r0
                u[(row * 4 + 1) * plane + entry] = (r0 + r1 + r2) / 2
                u[(row * 4 + 2) * plane + entry] = (r0 - r1 + r2) / 2
                u[(row * 4 + 3) * plane + entry] = r2
            }
        }
    }

    /// Output tiles per image.
    static func tiles(height: Int, width: Int) -> Int { ((height + 1) / 2) * ((width + 1) / 2) }

    /// Scratch scalars `transformInput` and `transformOutput` need for `channels` channels.
    static func scratchScalars(channels: Int) -> Int { 16 * channels }

    /// v [16, T, Cin] = Bᵀ·d·B for the T tiles of `images` images [images, H, W, Cin]; `zeros` holds
    /// ≥ Cin zeros (the padding), `scratch` ≥ scratchScalars(Cin).
    static func transformInput(_ input: UnsafePointer<Float>, images: Int, height h: Int, width w: Int, channels c: Int,
                               zeros: UnsafePointer<Float>, scratch t: UnsafeMutablePointer<Float>,
                               into v: UnsafeMutablePointer<Float>) {
        let (tilesY, tilesX) = ((h + 1) / 2, (w + 1) / 2)
        let tileCount = images * tilesY * tilesX
        let stride = tileCount * c
        for tile in 0..<tileCount {
            let image = tile / (tilesY * tilesX), ty = (tile / tilesX) % tilesY, tx = tile % tilesX
            for j in 0..<4 {
                let x = 2 * tx - 1 + j
                func pixel(_ i: Int) -> UnsafePointer<Float> {
                    let y = 2 * ty - 1 + i
                    return (y >= 0 && y < h && x >= 0 && x < w) ? input + ((image * h + y) * w + x) * c : zeros
                }
                let (d0, d1, d2, d3) = (pixel(0), pixel(1), pixel(2), pixel(3))
                // Column j of Bᵀd: rows d0 − d2, d1 + d2, d2 − d1, d1 − d3.
                let (t0, t1, t2, t3) = (t + j * c, t + (4 + j) * c, t + (8 + j) * c, t + (12 + j) * c)
                for ch in 0..<c {
                    t0[ch] = d0[ch] - d2[ch]
                    t1[ch] = d1[ch] + d2[ch]
                    t2[ch] = d2[ch] - d1[ch]
                    t3[ch] = d1[ch] - d3[ch]
                }
            }
            for row in 0..<4 {
                // Row of (Bᵀd)B: the same combinations over columns.
                let (x0, x1, x2, x3) = (t + (4 * row) * c, t + (4 * row + 1) * c, t + (4 * row + 2) * c, t + (4 * row + 3) * c)
                let base = v + (4 * row) * stride + tile * c
                let (v0, v1, v2, v3) = (base, base + stride, base + 2 * stride, base + 3 * stride)
                for ch in 0..<c {
                    v0[ch] = x0[ch] - x2[ch]
                    v1[ch] = x1[ch] + x2[ch]
                    v2[ch] = x2[ch] - x1[ch]
                    v3[ch] = x1[ch] - x3[ch]
                }
            }
        }
    }

    /// output [images, H, W, Cout] = Aᵀ·m·A (+ bias) from m [16, T, Cout]; `scratch` ≥ scratchScalars(Cout).
    static func transformOutput(_ m: UnsafePointer<Float>, images: Int, height h: Int, width w: Int, channels c: Int,
                                bias: UnsafePointer<Float>, scratch t: UnsafeMutablePointer<Float>,
                                into output: UnsafeMutablePointer<Float>) {
        let (tilesY, tilesX) = ((h + 1) / 2, (w + 1) / 2)
        let tileCount = images * tilesY * tilesX
        let stride = tileCount * c
        for tile in 0..<tileCount {
            let image = tile / (tilesY * tilesX), ty = (tile / tilesX) % tilesY, tx = tile % tilesX
            for j in 0..<4 {
                // Column j of Aᵀm: m0 + m1 + m2 and m1 − m2 − m3.
                let source = m + j * stride + tile * c
                let (m0, m1, m2, m3) = (source, source + 4 * stride, source + 8 * stride, source + 12 * stride)
                let (a, b) = (t + j * c, t + (4 + j) * c)
                for ch in 0..<c {
                    a[ch] = m0[ch] + m1[ch] + m2[ch]
                    b[ch] = m1[ch] - m2[ch] - m3[ch]
                }
            }
            for row in 0..<2 {
                let y = 2 * ty + row
                guard y < h else { continue }
                let (r0, r1, r2, r3) = (t + (4 * row) * c, t + (4 * row + 1) * c, t + (4 * row + 2) * c, t + (4 * row + 3) * c)
                let left = output + ((image * h + y) * w + 2 * tx) * c
                for ch in 0..<c { left[ch] = r0[ch] + r1[ch] + r2[ch] + bias[ch] }
                guard 2 * tx + 1 < w else { continue }
                let right = left + c
                for ch in 0..<c { right[ch] = r1[ch] - r2[ch] - r3[ch] + bias[ch] }
            }
        }
    }
}
