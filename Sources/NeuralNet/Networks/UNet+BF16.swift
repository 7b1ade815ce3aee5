// Switching a UNet's sampling between fp32 and bf16. bf16 covers the heavy products: every
// convolution (oneDNN's direct convolution, or for 3×3 stride-1 ones optionally bf16 Winograd, see
// Conv2D+BF16Winograd) and the attention qkv/output projections. The time, label
// and guidance embeddings and each block's embedding projection (one row per image), the attention
// products q·kᵀ and ·v, normalisation, activations and everything outside the network stay fp32.
import TensorCore

extension UNet {
    /// Rounds the weights to bf16 once (oneDNN layout) and samples with them until the parameters
    /// change or `useFP32Inference()`. Precondition: `BF16.isSupported` (callers refuse otherwise).
    /// `winograd: true` runs 3×3 stride-1 convolutions as bf16 Winograd (Conv2D+BF16Winograd: 2.25×
    /// fewer multiplications, fp32 transforms) instead of oneDNN's direct convolution. Not the default:
    /// on an AMD EPYC Zen 5 (full-width AVX-512) the two took the same CPU time per forward pass within
    /// noise (Winograd from 5 % more to 4 % less over six runs), both 2.0–2.2× fp32 (one thread, batch
    /// 16 and 64; the KAC_FORWARD_PROFILE test in NeuralNetTests prints all three), and the direct
    /// convolution rounds less. Winograd should pay where the direct convolution is bound by bf16
    /// arithmetic rather than by memory (CPUs that split AVX-512 into 256-bit halves).
    public func useBF16Inference(winograd: Bool = false) throws {
        var builder = BF16Weights.Builder(parameters: parameters, winogradConvolutions: winograd)
        for step in steps {
            switch step {
            case .residual(let block):
                try block.conv1.addBF16(to: &builder)
                try block.conv2.addBF16(to: &builder)
                try block.skip?.addBF16(to: &builder)
            case .attention(let block):
                try block.attention.qkv.addBF16(to: &builder)
                try block.attention.projection.addBF16(to: &builder)
            case .conv(let conv):
                try conv.addBF16(to: &builder)
            case .norm, .silu, .upsample, .pushSkip, .concatenateSkip:
                break
            }
        }
        bf16Weights = builder.build()
    }

    /// Back to fp32 sampling (the bf16 copies are dropped).
    public func useFP32Inference() { bf16Weights = nil }
}
