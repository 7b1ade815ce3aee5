// The AVX-512 kernels of CVectorKernels against the portable Swift loops they stand in for, bit for
// bit, on inputs that reach exp's clamps, odd widths (masked tails) and widths above 16 (several
// blocks). Skipped on CPUs without AVX-512F, where the Swift loops run instead.
import CVectorKernels
import NeuralNet
import TensorCore
import TestSupport
import Testing

@Suite(.enabled(if: kac_cpu_avx512_supported() != 0, "this CPU lacks AVX-512F"))
struct VectorKernelTests {
    static func values(_ count: Int, seed: UInt64, scale: Double) -> [Float] {
        var random = RandomSource(seed: seed)
        var values = randomScalars(count, &random, scale: scale)
        // exp's clamps (±87.3 / 88.3), zero of both signs, and where σ saturates.
        for (i, special) in [Float(-100), 100, -88, 89, 0, -0.0, 20, -20].enumerated() where i < count { values[i] = special }
        return values
    }

    static func bits(_ values: [Float]) -> [UInt32] { values.map(\.bitPattern) }

    @Test(arguments: [1, 15, 16, 17, 1000])
    func siluIsBitIdentical(count: Int) {
        let x = Self.values(count, seed: UInt64(count), scale: 6)
        var fast = [Float](repeating: .nan, count: count), portable = fast
        kac_silu(x, &fast, count)
        PortableKernels.silu(x, &portable, count: count)
        #expect(Self.bits(fast) == Self.bits(portable))
    }

    @Test(arguments: [(49, 49), (3, 10), (2, 16), (4, 33)])
    func softmaxIsBitIdentical(shape: (rows: Int, columns: Int)) {
        var fast = Self.values(shape.rows * shape.columns, seed: 11, scale: 8)
        fast[fast.count - 1] = 300  // a row whose other entries all underflow to 0
        var portable = fast
        kac_softmax_rows(&fast, shape.rows, shape.columns)
        PortableKernels.softmaxRows(&portable, rows: shape.rows, columns: shape.columns)
        #expect(Self.bits(fast) == Self.bits(portable))
        #expect(abs(fast[0..<shape.columns].reduce(0, +) - 1) < 1e-5)
    }

    @Test(arguments: [(7, 3), (5, 16), (9, 40), (3, 128)])
    func rowKernelsAreBitIdentical(shape: (rows: Int, columns: Int)) {
        let (rows, columns) = shape
        let x = Self.values(rows * columns, seed: 3, scale: 4)
        let scale = Self.values(columns, seed: 4, scale: 2), shift = Self.values(columns, seed: 5, scale: 1)
        for silu in [false, true] {
            var fast = [Float](repeating: .nan, count: x.count), portable = fast
            kac_scale_shift_rows(x, &fast, rows, columns, scale, shift, silu ? 1 : 0)
            PortableKernels.scaleAndShiftRows(x, &portable, rows: rows, columns: columns, scale: scale, shift: shift, silu: silu)
            #expect(Self.bits(fast) == Self.bits(portable), "silu \(silu)")
        }
        let start = Self.values(columns, seed: 6, scale: 1)
        var fastSums = start, portableSums = start
        kac_accumulate_column_sums(x, rows, columns, &fastSums)
        PortableKernels.accumulateColumnSums(x, rows: rows, columns: columns, into: &portableSums)
        #expect(Self.bits(fastSums) == Self.bits(portableSums))
        var fastSquares = [Float](repeating: .nan, count: columns), portableSquares = fastSquares
        kac_centred_square_sums(x, rows, columns, shift, &fastSquares)
        PortableKernels.centredSquareSums(x, rows: rows, columns: columns, centres: shift, into: &portableSquares)
        #expect(Self.bits(fastSquares) == Self.bits(portableSquares))
    }
}

/// The kernel that rounds a convolution's input to bf16 on the way in: the map is the fp32 kernel's
/// bit for bit; its SiLU, computed with an exp good to bf16's precision only, lands on the fp32
/// kernel's value rounded to bf16 or one bf16 step from it, in under 1 % of places.
@Suite(.enabled(if: BF16.isSupported, "this CPU lacks AVX512_BF16"))
struct BF16RoundingKernelTests {
    static func roundedToBF16(_ x: Float) -> UInt16 {
        let bits = x.bitPattern
        return UInt16(truncatingIfNeeded: (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) >> 16)
    }

    @Test(arguments: [(7, 3), (64, 40), (3, 128)])
    func roundsTheFP32KernelsOutput(shape: (rows: Int, columns: Int)) {
        let (rows, columns) = shape
        let x = VectorKernelTests.values(rows * columns, seed: 13, scale: 4)
        let scale = VectorKernelTests.values(columns, seed: 14, scale: 2)
        let shift = VectorKernelTests.values(columns, seed: 15, scale: 1)
        for silu in [false, true] {
            var fp32 = [Float](repeating: .nan, count: x.count)
            var rounded = [UInt16](repeating: 0xFFFF, count: x.count)
            PortableKernels.scaleAndShiftRows(x, &fp32, rows: rows, columns: columns, scale: scale, shift: shift, silu: silu)
            kac_scale_shift_rows_bf16(x, &rounded, rows, columns, scale, shift, silu ? 1 : 0)
            let expected = fp32.map(Self.roundedToBF16)
            let steps = zip(rounded, expected).map { abs(Int($0) - Int($1)) }
            if silu {
                #expect(steps.max() ?? 0 <= 1)
                #expect(steps.filter { $0 != 0 }.count * 100 < max(steps.count, 100), "\(steps.filter { $0 != 0 }.count) of \(steps.count)")
            } else {
                #expect(rounded == expected)
            }
        }
    }
}

/// Sampling fuses each normalisation with the SiLU after it; it must change no bit (on any CPU).
struct FusedActivationTests {
    /// A group norm of `channels` channels with random parameters, and an input [3, 5, 7, channels].
    static func normAndInput(channels: Int, seed: UInt64) -> (GroupNorm, ParameterSet, Tensor) {
        var random = RandomSource(seed: seed)
        var parameters = ParameterSet()
        let norm = GroupNorm(name: "norm", channels: channels, groupCount: 8, parameters: &parameters)
        randomize(&parameters, &random, scale: 0.5)
        return (norm, parameters, randomTensor([3, 5, 7, channels], &random, scale: 3))
    }

    @Test func groupNormThenSiLUFusedIsBitIdentical() {
        let (norm, parameters, x) = Self.normAndInput(channels: 48, seed: 8)
        let separate = SiLU.forward(norm.forward(x, parameters: parameters).output).output
        let fused = norm.forwardActivated(x, parameters: parameters)
        #expect(fused.shape == separate.shape)
        #expect(fused.scalars.map(\.bitPattern) == separate.scalars.map(\.bitPattern))
    }

    /// The map a bf16 convolution applies on its way in (GroupNorm.affineMap) gives forwardActivated's bits.
    @Test func groupNormAffineMapAppliedIsBitIdentical() {
        let (norm, parameters, x) = Self.normAndInput(channels: 24, seed: 9)
        let map = norm.affineMap(x, parameters: parameters)
        let pixels = 5 * 7 * 24
        var applied = [Float]()
        for image in 0..<3 {
            var part = [Float](repeating: .nan, count: pixels)
            PortableKernels.scaleAndShiftRows(
                Array(x.scalars[(image * pixels)..<((image + 1) * pixels)]), &part, rows: 35, columns: 24,
                scale: Array(map.scale[(image * 24)..<((image + 1) * 24)]),
                shift: Array(map.shift[(image * 24)..<((image + 1) * 24)]), silu: true)
            applied += part
        }
        #expect(applied.map(\.bitPattern) == norm.forwardActivated(x, parameters: parameters).scalars.map(\.bitPattern))
    }
}
