// ADM residual block: h = conv1(SiLU(GN(x))) + Linear(SiLU(emb)); h = conv2(SiLU(GN(h)));
// out = skip(x) + h, with a 1×1 skip conv only when the width changes. conv2 starts at zero, so a new
// block is the identity (or the skip projection) and the UNet starts as a near-linear map.
import TensorCore

struct ResidualBlock: Sendable {
    let norm1: GroupNorm, conv1: Conv2D
    let embedding: Linear
    let norm2: GroupNorm, conv2: Conv2D
    let skip: Conv2D?

    init(
        name: String, inputChannels: Int, outputChannels: Int, embeddingWidth: Int, groupCount: Int,
        parameters: inout ParameterSet, random: inout RandomSource
    ) {
        norm1 = GroupNorm(name: name + ".norm1", channels: inputChannels, groupCount: groupCount, parameters: &parameters)
        conv1 = Conv2D(
            name: name + ".conv1", inputChannels: inputChannels, outputChannels: outputChannels,
            kernelSize: 3, padding: 1, parameters: &parameters, random: &random)
        embedding = Linear(
            name: name + ".embedding", inputWidth: embeddingWidth, outputWidth: outputChannels,
            parameters: &parameters, random: &random)
        norm2 = GroupNorm(name: name + ".norm2", channels: outputChannels, groupCount: groupCount, parameters: &parameters)
        conv2 = Conv2D(
            name: name + ".conv2", inputChannels: outputChannels, outputChannels: outputChannels,
            kernelSize: 3, padding: 1, zeroInitialized: true, parameters: &parameters, random: &random)
        skip =
            inputChannels == outputChannels
            ? nil
            : Conv2D(
                name: name + ".skip", inputChannels: inputChannels, outputChannels: outputChannels,
                kernelSize: 1, parameters: &parameters, random: &random)
    }

    struct Cache: Sendable {
        let norm1: GroupNorm.Cache, silu1: SiLU.Cache, conv1: Conv2D.Cache
        let embedding: Linear.Cache
        let norm2: GroupNorm.Cache, silu2: SiLU.Cache, conv2: Conv2D.Cache
        let skip: Conv2D.Cache?
    }

    /// x [N, H, W, Cin], activatedEmbedding [N, E] (already through SiLU) → [N, H, W, Cout]. With
    /// `bf16` the convolutions run in bf16; the embedding projection (N rows) stays fp32.
    func forward(
        _ x: Tensor, activatedEmbedding: Tensor, parameters: ParameterSet,
        workspace: Workspace, bf16: BF16Weights? = nil
    ) -> (output: Tensor, cache: Cache) {
        let (n1, norm1Cache) = norm1.forward(x, parameters: parameters)
        let (a1, silu1Cache) = SiLU.forward(n1)
        var (h, conv1Cache) = conv1.forward(a1, parameters: parameters, workspace: workspace, bf16: bf16)
        let (projected, embeddingCache) = embedding.forward(activatedEmbedding, parameters: parameters)
        addPerImage(projected, to: &h)
        let (n2, norm2Cache) = norm2.forward(h, parameters: parameters)
        let (a2, silu2Cache) = SiLU.forward(n2)
        var (output, conv2Cache) = conv2.forward(a2, parameters: parameters, workspace: workspace, bf16: bf16)
        var skipCache: Conv2D.Cache?
        if let skip {
            let (projectedInput, cache) = skip.forward(x, parameters: parameters, workspace: workspace, bf16: bf16)
            accumulate(&output, projectedInput)
            skipCache = cache
        } else {
            accumulate(&output, x)
        }
        return (
            output,
            Cache(
                norm1: norm1Cache, silu1: silu1Cache, conv1: conv1Cache, embedding: embeddingCache,
                norm2: norm2Cache, silu2: silu2Cache, conv2: conv2Cache, skip: skipCache)
        )
    }

    /// The forward pass for sampling: each normalisation fused with the SiLU after it, no caches.
    /// Bit for bit `forward`'s output.
    func infer(_ x: Tensor, activatedEmbedding: Tensor, parameters: ParameterSet, workspace: Workspace, bf16: BF16Weights?) -> Tensor {
        var h = conv1.forward(activating: x, by: norm1, parameters: parameters, workspace: workspace, bf16: bf16)
        addPerImage(embedding.forward(activatedEmbedding, parameters: parameters).output, to: &h)
        var output = conv2.forward(activating: h, by: norm2, parameters: parameters, workspace: workspace, bf16: bf16)
        if let skip {
            accumulate(&output, skip.forward(x, parameters: parameters, workspace: workspace, bf16: bf16).output)
        } else {
            accumulate(&output, x)
        }
        return output
    }

    /// Accumulates parameter gradients and dActivatedEmbedding (it fans out to every block); returns dx.
    func backward(
        _ dOutput: Tensor, cache: Cache, parameters: ParameterSet, gradients: inout ParameterSet,
        dActivatedEmbedding: inout Tensor, workspace: Workspace
    ) -> Tensor {
        let dA2 = conv2.backward(dOutput, cache: cache.conv2, parameters: parameters, gradients: &gradients, workspace: workspace)
        let dH = norm2.backward(
            SiLU.backward(dA2, cache: cache.silu2), cache: cache.norm2,
            parameters: parameters, gradients: &gradients)
        let dProjected = sumPerImage(dH)
        accumulate(
            &dActivatedEmbedding,
            embedding.backward(
                dProjected, cache: cache.embedding, parameters: parameters,
                gradients: &gradients))
        let dA1 = conv1.backward(dH, cache: cache.conv1, parameters: parameters, gradients: &gradients, workspace: workspace)
        var dx = norm1.backward(
            SiLU.backward(dA1, cache: cache.silu1), cache: cache.norm1,
            parameters: parameters, gradients: &gradients)
        if let skip, let skipCache = cache.skip {
            accumulate(
                &dx,
                skip.backward(
                    dOutput, cache: skipCache, parameters: parameters, gradients: &gradients,
                    workspace: workspace))
        } else {
            accumulate(&dx, dOutput)
        }
        return dx
    }

    func multiplyAccumulates(height: Int, width: Int) -> Int {
        conv1.multiplyAccumulates(height: height, width: width) + conv2.multiplyAccumulates(height: height, width: width)
            + (skip?.multiplyAccumulates(height: height, width: width) ?? 0) + embedding.inputWidth * embedding.outputWidth
    }
}

/// images[n, p, :] += perImage[n, :] for images [N, ..., C] and perImage [N, C].
func addPerImage(_ perImage: Tensor, to images: inout Tensor) {
    let (batch, c) = (perImage.shape[0], perImage.shape[1])
    precondition(images.shape[0] == batch && images.shape.last == c, "addPerImage: \(perImage.shape) onto \(images.shape)")
    let positions = images.count / (batch * c)
    perImage.scalars.withUnsafeBufferPointer { v in
        images.scalars.withUnsafeMutableBufferPointer { m in
            guard let v = v.baseAddress, let m = m.baseAddress else { return }
            parallelRanges(batch, costPerItem: positions * c) { range in
                for image in range { addRowVector(v + image * c, to: m + image * positions * c, rows: positions, columns: c) }
            }
        }
    }
}

/// [N, ..., C] → [N, C], summing over positions (the adjoint of addPerImage).
func sumPerImage(_ images: Tensor) -> Tensor {
    let batch = images.shape[0], c = images.shape[images.rank - 1]
    let positions = images.count / (batch * c)
    var sums = Tensor.zeros([batch, c])
    images.scalars.withUnsafeBufferPointer { m in
        sums.scalars.withUnsafeMutableBufferPointer { s in
            guard let m = m.baseAddress, let s = s.baseAddress else { return }
            parallelRanges(batch, costPerItem: positions * c) { range in
                for image in range {
                    accumulateColumnSums(m + image * positions * c, rows: positions, columns: c, into: s + image * c)
                }
            }
        }
    }
    return sums
}
