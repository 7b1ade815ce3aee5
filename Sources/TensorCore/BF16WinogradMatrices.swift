// The bf16 half of a Winograd F(2×2, 3×3) convolution (NeuralNet's Conv2D+BF16Winograd.swift): the
// 16 transformed weight matrices U_e [Cin, Cout], rounded to bf16 once from their fp32 transform,
// multiplied in one batched oneDNN call by the bf16 input transforms (computed in fp32 and rounded
// once, CBFloat16/winograd_bf16.c), with fp32 sums and fp32 results. The transforms on either side
// stay fp32. Callers check `BF16.isSupported` first; each call runs on the calling thread only.
import CBFloat16

public final class BF16WinogradMatrices: @unchecked Sendable {
    // @unchecked: the handle is immutable after init and the shim guards its shape cache with a lock.
    private let handle: OpaquePointer
    public let inputChannels: Int, outputChannels: Int

    /// u [16, Cin, Cout]: the fp32 Winograd transform G·g·Gᵀ of a 3×3 kernel (copied, rounded to bf16).
    public init(transformedWeights u: UnsafePointer<Float>, inputChannels: Int, outputChannels: Int) throws {
        precondition(BF16.isSupported, "BF16WinogradMatrices needs a CPU with AVX512_BF16 (check BF16.isSupported)")
        guard let handle = kac_bf16_batched_create(u, 16, inputChannels, outputChannels) else {
            throw BF16Error(description: String(cString: kac_bf16_last_error()))
        }
        self.handle = handle
        (self.inputChannels, self.outputChannels) = (inputChannels, outputChannels)
    }

    deinit { kac_bf16_batched_destroy(handle) }

    /// v [16, T, Cin] (bf16) = Bᵀ·d·B of the T tiles of input [images, height, width, Cin] (zero
    /// padding 1; T = images·⌈height/2⌉·⌈width/2⌉), computed in fp32 and rounded to bf16 once.
    public static func transformInput(
        _ input: UnsafePointer<Float>, images: Int, height: Int, width: Int, channels: Int,
        into v: UnsafeMutablePointer<UInt16>
    ) {
        precondition(BF16.isSupported, "the bf16 Winograd transform needs AVX512_BF16")
        kac_winograd_input_bf16(input, images, height, width, channels, v)
    }

    /// output [images, height, width, Cout] = Aᵀ·m·A + bias for the tiles of m [16, T, Cout], in fp32.
    public static func transformOutput(
        _ m: UnsafePointer<Float>, images: Int, height: Int, width: Int, channels: Int, bias: UnsafePointer<Float>,
        into output: UnsafeMutablePointer<Float>
    ) {
        precondition(BF16.isSupported, "the bf16 Winograd transform needs AVX512_BF16")
        kac_winograd_output(m, images, height, width, channels, bias, output)
    }

    /// m [16, T, Cout] (fp32) = v [16, T, Cin] (bf16) · U, entry by entry.
    public func multiply(tiles: Int, v: UnsafePointer<UInt16>, into m: UnsafeMutablePointer<Float>) {
        guard tiles > 0 else { return }
        if kac_bf16_batched_matmul(handle, tiles, v, m) != 0 {
            fatalError(
                "bf16 Winograd products 16×[\(tiles)×\(inputChannels)]·[\(inputChannels)×\(outputChannels)]: "
                    + String(cString: kac_bf16_last_error()))
        }
    }

    /// Bytes held: the bf16 matrices and the per-shape layouts oneDNN asked for so far.
    public var residentBytes: Int { kac_bf16_batched_bytes(handle) }

    /// oneDNN's name of the kernel the last prepared shape runs on (e.g. "brg:avx512_core_bf16").
    public var implementation: String { String(cString: kac_bf16_batched_implementation(handle)) }
}
