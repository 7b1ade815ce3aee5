// Vectorisable exp and sigmoid for the elementwise layers (SiLU, softmax). libm's expf is a call
// that blocks vectorisation and would dominate SiLU; this is the Cephes expf polynomial written with
// only min/max, multiply-adds and bit casts, so loops calling it compile to AVX2 code.
// Accuracy: relative error below 2e-7 on [−87.3, 88.3]; inputs are clamped there (exp underflows to
// ~1e-38 below and overflows above), which the SiLU test checks at ±100.
import CVectorKernels

@inline(__always)
func fastExp(_ input: Float) -> Float {
    let x = min(max(input, -87.3), 88.3)
    // Round x·log2(e) to the nearest integer by adding 1.5·2^23: the integer lands in the low
    // mantissa bits, which also hands it over as bits without a float→int conversion.
    let magic: Float = 12_582_912
    let shifted = x * 1.442_695_04 + magic
    let n = shifted - magic
    // r = x − n·ln 2, with ln 2 split in two so the product is exact to Float precision.
    let r = x - n * 0.693_359_375 + n * 2.121_944_4e-4
    var p: Float = 1.987_569_15e-4
    p = p * r + 1.398_199_95e-3
    p = p * r + 8.333_451_9e-3
    p = p * r + 4.166_579_59e-2
    p = p * r + 1.666_666_55e-1
    p = p * r + 5.000_000_12e-1
    p = p * r * r + r + 1
    let exponent = Int32(bitPattern: shifted.bitPattern) &- Int32(bitPattern: magic.bitPattern)
    return p * Float(bitPattern: UInt32(bitPattern: (exponent &+ 127) &<< 23))
}

@inline(__always)
func fastSigmoid(_ x: Float) -> Float { 1 / (1 + fastExp(-x)) }

/// Whether the elementwise kernels take their AVX-512 versions (CVectorKernels), which compute the
/// same values bit for bit (VectorKernelTests compares both).
enum VectorKernels {
    static let avx512: Bool = kac_cpu_avx512_supported() != 0
}
