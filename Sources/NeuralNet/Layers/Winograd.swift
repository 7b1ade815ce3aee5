// Winograd F(2×2, 3×3) for 3×3, stride-1, padding-1 convolutions of NHWC images: each 2×2 output
// tile comes from a 4×4 input tile as Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A, summed over input channels, which
// turns into 16 GEMMs [tiles, Cin]·[Cin, Cout] with 16 multiplies per tile instead of 36 (2.25×
// fewer). Invariant: tiles reaching past the image read zeros (the padding) and their outputs past
// the image are dropped, so any H and W work. Float error grows by a few ulps (the transforms only
// add, subtract and halve).

enum Winograd {
    /// u [16, Cin, Cout] = G·g·Gᵀ for every (ci, co), from weights [3, 3, Cin, Cout]. The loops run
    /// over contiguous output channels, so they vectorise.
    static func transformWeights(
        _ weight: UnsafePointer<Float>, inputChannels cin: Int, outputChannels cout: Int,
        into u: UnsafeMutablePointer<Float>
    ) {
        let plane = cin * cout
        for ci in 0..<cin {
            func g(_ ky: Int, _ kx: Int) -> UnsafePointer<Float> { weight + (ky * 3 + kx) * plane + ci * cout }
            func target(_ row: Int, _ column: Int) -> UnsafeMutablePointer<Float> { u + (row * 4 + column) * plane + ci * cout }
            for x in 0..<3 {
                // Gg, column x, over the kernel's rows: g0, (g0 + g1 + g2)/2, (g0 − g1 + g2)/2, g2. Stored
                // temporarily in u's column x (rows 0...3), then combined over columns below.
                let (g0, g1, g2) = (g(0, x), g(1, x), g(2, x))
                let (t0, t1, t2, t3) = (target(0, x), target(1, x), target(2, x), target(3, x))
                for co in 0..<cout {
                    t0[co] = g0[co]
                    t1[co] = (g0[co] + g1[co] + g2[co]) / 2
                    t2[co] = (g0[co] - g1[co] + g2[co]) / 2
                    t3[co] = g2[co]
                }
            }
            for row in 0..<4 {
                let (r0, r1, r2, r3) = (target(row, 0), target(row, 1), target(row, 2), target(row, 3))
                for co in 0..<cout {
                    let (a, b, c) = (r0[co], r1[co], r2[co])
                    r0[co] = a
                    r1[co] = (a + b + c) / 2
                    r2[co] = (a - b + c) / 2
                    r3[co] = c
                }
            }
        }
    }

    /// Output tiles per image.
    static func tiles(height: Int, width: Int) -> Int { ((height + 1) / 2) * ((width + 1) / 2) }

    /// Scratch scalars `transformInput` and `transformOutput` need for `channels` channels.
    static func scratchScalars(channels: Int) -> Int { 16 * channels }

    /// v [T, 16, Cin] = Bᵀ·d·B for the T tiles of `images` images [images, H, W, Cin]; `zeros` holds
    /// ≥ Cin zeros (the padding), `scratch` ≥ scratchScalars(Cin).
    static func transformInput(
        _ input: UnsafePointer<Float>, images: Int, height h: Int, width w: Int, channels c: Int,
        zeros: UnsafePointer<Float>, scratch t: UnsafeMutablePointer<Float>,
        into v: UnsafeMutablePointer<Float>
    ) {
        let (tilesY, tilesX) = ((h + 1) / 2, (w + 1) / 2)
        for tile in 0..<(images * tilesY * tilesX) {
            let image = tile / (tilesY * tilesX), ty = (tile / tilesX) % tilesY, tx = tile % tilesX
            for j in 0..<4 {
                let x = 2 * tx - 1 + j
                func pixel(_ i: Int) -> UnsafePointer<Float> {
                    let y = 2 * ty - 1 + i
                    return (y >= 0 && y < h && x >= 0 && x < w) ? input + ((image * h + y) * w + x) * c : zeros
                }
                // Column j of Bᵀd: rows d0 − d2, d1 + d2, d2 − d1, d1 − d3.
                butterfly(
                    pixel(0), pixel(1), pixel(2), pixel(3), t + j * c, t + (4 + j) * c, t + (8 + j) * c,
                    t + (12 + j) * c, channels: c)
            }
            for row in 0..<4 {
                // Row of (Bᵀd)·B: the same combinations across columns.
                let source = t + 4 * row * c, target = v + (tile * 16 + 4 * row) * c
                butterfly(
                    source, source + c, source + 2 * c, source + 3 * c, target, target + c, target + 2 * c,
                    target + 3 * c, channels: c)
            }
        }
    }

    /// (o0, o1, o2, o3) = (x0 − x2, x1 + x2, x2 − x1, x1 − x3) over `channels` lanes. Explicit 8-wide
    /// vectors: with eight pointers, the compiler's own vectorisation spends more on alias checks
    /// than on the arithmetic for 32–128 channels.
    @inline(__always)
    static func butterfly(
        _ x0: UnsafePointer<Float>, _ x1: UnsafePointer<Float>, _ x2: UnsafePointer<Float>,
        _ x3: UnsafePointer<Float>, _ o0: UnsafeMutablePointer<Float>, _ o1: UnsafeMutablePointer<Float>,
        _ o2: UnsafeMutablePointer<Float>, _ o3: UnsafeMutablePointer<Float>, channels c: Int
    ) {
        var ch = 0
        while ch + 8 <= c {
            let (a, b, e, f) = (load8(x0 + ch), load8(x1 + ch), load8(x2 + ch), load8(x3 + ch))
            store8(a - e, o0 + ch)
            store8(b + e, o1 + ch)
            store8(e - b, o2 + ch)
            store8(b - f, o3 + ch)
            ch += 8
        }
        while ch < c {
            let (a, b, e, f) = (x0[ch], x1[ch], x2[ch], x3[ch])
            (o0[ch], o1[ch], o2[ch], o3[ch]) = (a - e, b + e, e - b, b - f)
            ch += 1
        }
    }

    /// output [images, H, W, Cout] = Aᵀ·m·A (+ bias) from m [16, T, Cout]; `scratch` ≥ scratchScalars(Cout).
    static func transformOutput(
        _ m: UnsafePointer<Float>, images: Int, height h: Int, width w: Int, channels c: Int,
        bias: UnsafePointer<Float>, scratch t: UnsafeMutablePointer<Float>,
        into output: UnsafeMutablePointer<Float>
    ) {
        let (tilesY, tilesX) = ((h + 1) / 2, (w + 1) / 2)
        let tileCount = images * tilesY * tilesX
        let stride = tileCount * c
        for tile in 0..<tileCount {
            let image = tile / (tilesY * tilesX), ty = (tile / tilesX) % tilesY, tx = tile % tilesX
            for j in 0..<4 {
                // Column j of Aᵀm: m0 + m1 + m2 and m1 − m2 − m3.
                let source = m + j * stride + tile * c
                reduce(
                    source, source + 4 * stride, source + 8 * stride, source + 12 * stride, nil,
                    t + j * c, t + (4 + j) * c, channels: c)
            }
            for row in 0..<2 {
                let y = 2 * ty + row
                guard y < h else { continue }
                let r = t + 4 * row * c
                let left = output + ((image * h + y) * w + 2 * tx) * c
                // The right pixel past an odd width goes to scratch row 2, which is no longer needed.
                let right = 2 * tx + 1 < w ? left + c : t + 8 * c
                reduce(r, r + c, r + 2 * c, r + 3 * c, bias, left, right, channels: c)
            }
        }
    }

    /// (o0, o1) = (x0 + x1 + x2, x1 − x2 − x3) (+ bias on both) over `channels` lanes.
    @inline(__always)
    static func reduce(
        _ x0: UnsafePointer<Float>, _ x1: UnsafePointer<Float>, _ x2: UnsafePointer<Float>,
        _ x3: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?, _ o0: UnsafeMutablePointer<Float>,
        _ o1: UnsafeMutablePointer<Float>, channels c: Int
    ) {
        var ch = 0
        while ch + 8 <= c {
            let (a, b, e, f) = (load8(x0 + ch), load8(x1 + ch), load8(x2 + ch), load8(x3 + ch))
            let offset = bias.map { load8($0 + ch) } ?? SIMD8<Float>()
            store8(a + b + e + offset, o0 + ch)
            store8(b - e - f + offset, o1 + ch)
            ch += 8
        }
        while ch < c {
            let offset = bias?[ch] ?? 0
            (o0[ch], o1[ch]) = (x0[ch] + x1[ch] + x2[ch] + offset, x1[ch] - x2[ch] - x3[ch] + offset)
            ch += 1
        }
    }
}

extension Winograd {
    /// ŷ [T, 16, Cout] = A·dy·Aᵀ for the T 2×2 tiles of dOutput [images, H, W, Cout] (the adjoint of
    /// the output transform); pixels past the image read `zeros`; `scratch` ≥ scratchScalars(Cout).
    static func transformGradient(
        _ dOutput: UnsafePointer<Float>, images: Int, height h: Int, width w: Int,
        channels c: Int, zeros: UnsafePointer<Float>, scratch t: UnsafeMutablePointer<Float>,
        into target: UnsafeMutablePointer<Float>
    ) {
        let (tilesY, tilesX) = ((h + 1) / 2, (w + 1) / 2)
        for tile in 0..<(images * tilesY * tilesX) {
            let image = tile / (tilesY * tilesX), ty = (tile / tilesX) % tilesY, tx = tile % tilesX
            for j in 0..<2 {
                let x = 2 * tx + j
                func pixel(_ i: Int) -> UnsafePointer<Float> {
                    let y = 2 * ty + i
                    return (y < h && x < w) ? dOutput + ((image * h + y) * w + x) * c : zeros
                }
                // Column j of A·dy: rows y0, y0 + y1, y0 − y1, −y1.
                expand(pixel(0), pixel(1), t + j * c, t + (4 + j) * c, t + (8 + j) * c, t + (12 + j) * c, channels: c)
            }
            for row in 0..<4 {
                let source = t + 4 * row * c, out = target + (tile * 16 + 4 * row) * c
                expand(source, source + c, out, out + c, out + 2 * c, out + 3 * c, channels: c)
            }
        }
    }

    /// (o0, o1, o2, o3) = (x0, x0 + x1, x0 − x1, −x1) over `channels` lanes.
    @inline(__always)
    static func expand(
        _ x0: UnsafePointer<Float>, _ x1: UnsafePointer<Float>, _ o0: UnsafeMutablePointer<Float>,
        _ o1: UnsafeMutablePointer<Float>, _ o2: UnsafeMutablePointer<Float>, _ o3: UnsafeMutablePointer<Float>,
        channels c: Int
    ) {
        var ch = 0
        while ch + 8 <= c {
            let (a, b) = (load8(x0 + ch), load8(x1 + ch))
            store8(a, o0 + ch)
            store8(a + b, o1 + ch)
            store8(a - b, o2 + ch)
            store8(-b, o3 + ch)
            ch += 8
        }
        while ch < c {
            let (a, b) = (x0[ch], x1[ch])
            (o0[ch], o1[ch], o2[ch], o3[ch]) = (a, a + b, a - b, -b)
            ch += 1
        }
    }

    /// dWeight [3, 3, Cin, Cout] += Gᵀ·dU·G from dU [16, Cin, Cout] (the adjoint of transformWeights).
    static func accumulateWeightGradient(
        _ dU: UnsafePointer<Float>, inputChannels cin: Int, outputChannels cout: Int,
        into dWeight: UnsafeMutablePointer<Float>
    ) {
        let plane = cin * cout
        var rows = [Float](repeating: 0, count: 12 * cout)
        rows.withUnsafeMutableBufferPointer { z in
            guard let z = z.baseAddress else { return }
            for ci in 0..<cin {
                // Z = Gᵀ·dU (3×4): rows u0 + (u1 + u2)/2, (u1 − u2)/2, (u1 + u2)/2 + u3, per column j.
                for j in 0..<4 {
                    func u(_ i: Int) -> UnsafePointer<Float> { dU + (i * 4 + j) * plane + ci * cout }
                    let (u0, u1, u2, u3) = (u(0), u(1), u(2), u(3))
                    let (z0, z1, z2) = (z + j * cout, z + (4 + j) * cout, z + (8 + j) * cout)
                    for co in 0..<cout {
                        z0[co] = u0[co] + (u1[co] + u2[co]) / 2
                        z1[co] = (u1[co] - u2[co]) / 2
                        z2[co] = (u1[co] + u2[co]) / 2 + u3[co]
                    }
                }
                // dW[ky, :] += Z[ky]·G: the same combination across columns.
                for ky in 0..<3 {
                    let (a, b, c, d) = (z + 4 * ky * cout, z + (4 * ky + 1) * cout, z + (4 * ky + 2) * cout, z + (4 * ky + 3) * cout)
                    func target(_ kx: Int) -> UnsafeMutablePointer<Float> { dWeight + (ky * 3 + kx) * plane + ci * cout }
                    let (w0, w1, w2) = (target(0), target(1), target(2))
                    for co in 0..<cout {
                        w0[co] += a[co] + (b[co] + c[co]) / 2
                        w1[co] += (b[co] - c[co]) / 2
                        w2[co] += (b[co] + c[co]) / 2 + d[co]
                    }
                }
            }
        }
    }
}

@inline(__always)
private func load8(_ pointer: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always)
private func store8(_ value: SIMD8<Float>, _ pointer: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD8<Float>.self)
}
