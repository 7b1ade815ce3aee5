// A convolution for bf16 inference through oneDNN's convolution primitive (CBFloat16/dnnl_conv.c):
// weights rounded to bf16 once, bias kept fp32, NHWC input rounded to bf16 at each call (once —
// not the k² copies im2col would make), fp32 sums and fp32 NHWC output with the bias added.
// Callers check `BF16.isSupported` first; each call runs on the calling thread only.
import CBFloat16

public final class BF16Convolution: @unchecked Sendable {
    // @unchecked: the handle is immutable after init and the shim guards its shape cache with a lock.
    private let handle: OpaquePointer
    public let inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int, padding: Int

    /// weight [k, k, Cin, Cout], bias [Cout] (both copied).
    public init(
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, inputChannels: Int, outputChannels: Int,
        kernelSize: Int, stride: Int, padding: Int
    ) throws {
        precondition(BF16.isSupported, "BF16Convolution needs a CPU with AVX512_BF16 (check BF16.isSupported)")
        guard
            let handle = kac_bf16_conv_create(
                weight, bias, inputChannels, outputChannels, kernelSize, stride, padding)
        else { throw BF16Error(description: String(cString: kac_bf16_last_error())) }
        self.handle = handle
        (self.inputChannels, self.outputChannels) = (inputChannels, outputChannels)
        (self.kernelSize, self.stride, self.padding) = (kernelSize, stride, padding)
    }

    deinit { kac_bf16_conv_destroy(handle) }

    /// output [images, Ho, Wo, Cout] = conv(input [images, height, width, Cin]) + bias. With
    /// `activation`, the input is SiLU(input·scale + shift), scale and shift [images, Cin] (a group
    /// norm's map), computed as the input is rounded: the convolution of that activation computed in
    /// fp32 first, up to the one-bf16-step differences of kac_scale_shift_rows_bf16's SiLU.
    public func forward(
        images: Int, height: Int, width: Int, input: UnsafePointer<Float>,
        activation: (scale: UnsafePointer<Float>, shift: UnsafePointer<Float>)? = nil, output: UnsafeMutablePointer<Float>
    ) {
        guard images > 0 else { return }
        let status =
            activation.map {
                kac_bf16_conv_forward_affine(handle, images, height, width, input, $0.scale, $0.shift, 1, output)
            } ?? kac_bf16_conv_forward(handle, images, height, width, input, output)
        if status != 0 {
            fatalError(
                "bf16 convolution \(kernelSize)×\(kernelSize) \(inputChannels)→\(outputChannels) on "
                    + "[\(images), \(height), \(width)]: \(String(cString: kac_bf16_last_error()))")
        }
    }

    /// Bytes held: bf16 weights, bias and the per-shape layouts oneDNN asked for so far.
    public var residentBytes: Int { kac_bf16_conv_bytes(handle) }

    /// oneDNN's name of the kernel the last prepared shape runs on (e.g. "brg:avx512_core_amx").
    public var implementation: String { String(cString: kac_bf16_conv_implementation(handle)) }
}
