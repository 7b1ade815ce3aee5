// ADM attention block: out = x + Attention(GN(x)). The attention's output projection starts at zero,
// so the block starts as the identity.
import TensorCore

struct AttentionBlock: Sendable {
    let norm: GroupNorm
    let attention: MultiHeadSelfAttention

    init(
        name: String, channels: Int, headCount: Int, groupCount: Int,
        parameters: inout ParameterSet, random: inout RandomSource
    ) {
        norm = GroupNorm(name: name + ".norm", channels: channels, groupCount: groupCount, parameters: &parameters)
        attention = MultiHeadSelfAttention(
            name: name, channels: channels, headCount: headCount,
            parameters: &parameters, random: &random)
    }

    struct Cache: Sendable {
        let norm: GroupNorm.Cache
        let attention: MultiHeadSelfAttention.Cache
    }

    func forward(_ x: Tensor, parameters: ParameterSet, bf16: BF16Weights? = nil) -> (output: Tensor, cache: Cache) {
        let (normalized, normCache) = norm.forward(x, parameters: parameters)
        var (output, attentionCache) = attention.forward(normalized, parameters: parameters, bf16: bf16)
        accumulate(&output, x)
        return (output, Cache(norm: normCache, attention: attentionCache))
    }

    func backward(_ dOutput: Tensor, cache: Cache, parameters: ParameterSet, gradients: inout ParameterSet) -> Tensor {
        let dNormalized = attention.backward(dOutput, cache: cache.attention, parameters: parameters, gradients: &gradients)
        var dx = norm.backward(dNormalized, cache: cache.norm, parameters: parameters, gradients: &gradients)
        accumulate(&dx, dOutput)
        return dx
    }
}
