// The UNet's forward and backward passes over its step list. Forward keeps one cache per step only
// when gradients are wanted (sampling keeps none, so it holds just the live activations and skips,
// and fuses each normalisation with the SiLU after it: same bits, one pass fewer).
// Backward walks the steps in reverse; gradients of skip tensors wait on a stack until the walk
// reaches the step that pushed them, where they join the main gradient (the skip fans out).
import TensorCore

extension UNet {
    enum Step: Sendable {
        case residual(ResidualBlock)
        case attention(AttentionBlock)
        case conv(Conv2D)
        case norm(GroupNorm)
        case silu
        case upsample
        case pushSkip
        case concatenateSkip

        var isSiLU: Bool {
            if case .silu = self { return true }
            return false
        }
    }

    enum StepCache {
        case residual(ResidualBlock.Cache)
        case attention(AttentionBlock.Cache)
        case conv(Conv2D.Cache)
        case norm(GroupNorm.Cache)
        case silu(SiLU.Cache)
        case upsample
        case pushSkip
        /// Channels of the main path (the skip's gradient is the rest).
        case concatenateSkip(mainChannels: Int)
    }

    struct Pass {
        /// [N, H, W, C]
        let output: Tensor
        let time1: Linear.Cache, timeActivation: SiLU.Cache, time2: Linear.Cache, embeddingActivation: SiLU.Cache
        /// The guidance embedding's input (guidance-conditioned networks only).
        let guidance: Linear.Cache?
        /// [N, E], SiLU(time MLP + label row [+ guidance embedding]): the input of every block's embedding projection.
        let activatedEmbedding: Tensor
        let caches: [StepCache]
    }

    /// `scales`: [N] guidance scales, given exactly when the network has a guidance input (checked by the callers).
    /// `scratch`: the workspace of this pass (default the network's; passes running at once need their own).
    func forward(
        _ x: Tensor, times: [Float], labels: [Int], guidance scales: [Float]?, keepingCaches: Bool, scratch: Workspace? = nil
    ) -> Pass {
        let workspace = scratch ?? self.workspace
        let c = configuration
        precondition(
            x.shape.count == 4 && Array(x.shape.dropFirst()) == [c.imageHeight, c.imageWidth, c.imageChannels]
                && times.count == x.shape[0] && labels.count == x.shape[0],
            "UNet: x \(x.shape), \(times.count) times, \(labels.count) labels; expected [N, \(c.imageHeight), \(c.imageWidth), \(c.imageChannels)]"
        )
        let (hidden, time1Cache) = time1.forward(sinusoid.forward(times), parameters: parameters)
        let (activated, timeActivation) = SiLU.forward(hidden)
        var (embedding, time2Cache) = time2.forward(activated, parameters: parameters)
        accumulate(&embedding, label.forward(labels, parameters: parameters))
        var guidanceCache: Linear.Cache?
        if let guidance, let scales {
            let embedded = guidance.forward(scales, parameters: parameters)
            accumulate(&embedding, embedded.output)
            guidanceCache = embedded.cache
        }
        let (activatedEmbedding, embeddingActivation) = SiLU.forward(embedding)

        // bf16 only for sampling: training (caches kept for backward) stays fp32.
        let bf16 = keepingCaches ? nil : bf16Weights
        var h = x
        var skips: [Tensor] = []
        var caches: [StepCache] = []
        caches.reserveCapacity(keepingCaches ? steps.count : 0)
        var fusedSteps = 0
        for (index, step) in steps.enumerated() {
            let cache: StepCache
            if fusedSteps > 0 {
                fusedSteps -= 1
                continue
            }
            if !keepingCaches {
                // Sampling: no caches, so a normalisation, the SiLU after it and a convolution after
                // that run as one step (fusedSteps: the steps it took over).
                switch step {
                case .residual(let block):
                    h = block.infer(
                        h, activatedEmbedding: activatedEmbedding, parameters: parameters, workspace: workspace, bf16: bf16)
                    continue
                case .norm(let norm) where index + 1 < steps.count && steps[index + 1].isSiLU:
                    if index + 2 < steps.count, case .conv(let conv) = steps[index + 2] {
                        h = conv.forward(activating: h, by: norm, parameters: parameters, workspace: workspace, bf16: bf16)
                        fusedSteps = 2
                    } else {
                        h = norm.forwardActivated(h, parameters: parameters)
                        fusedSteps = 1
                    }
                    continue
                default:
                    break
                }
            }
            switch step {
            case .residual(let block):
                let result = block.forward(
                    h, activatedEmbedding: activatedEmbedding, parameters: parameters, workspace: workspace, bf16: bf16)
                (h, cache) = (result.output, .residual(result.cache))
            case .attention(let block):
                let result = block.forward(h, parameters: parameters, bf16: bf16)
                (h, cache) = (result.output, .attention(result.cache))
            case .conv(let conv):
                let result = conv.forward(h, parameters: parameters, workspace: workspace, bf16: bf16)
                (h, cache) = (result.output, .conv(result.cache))
            case .norm(let norm):
                let result = norm.forward(h, parameters: parameters)
                (h, cache) = (result.output, .norm(result.cache))
            case .silu:
                let result = SiLU.forward(h)
                (h, cache) = (result.output, .silu(result.cache))
            case .upsample:
                (h, cache) = (NearestUpsample.forward(h), .upsample)
            case .pushSkip:
                skips.append(h)
                cache = .pushSkip
            case .concatenateSkip:
                let mainChannels = h.shape[3]
                h = ChannelConcatenation.forward(h, skips.removeLast())
                cache = .concatenateSkip(mainChannels: mainChannels)
            }
            if keepingCaches { caches.append(cache) }
        }
        return Pass(
            output: h, time1: time1Cache, timeActivation: timeActivation, time2: time2Cache,
            embeddingActivation: embeddingActivation, guidance: guidanceCache, activatedEmbedding: activatedEmbedding,
            caches: caches)
    }

    /// Returns dL/dx when `wantsInputGradient` (the first conv's input gradient costs one more
    /// transposed convolution, which training skips), else nil.
    @discardableResult
    func backward(
        _ dOutput: Tensor, pass: Pass, labels: [Int], gradients: inout ParameterSet, wantsInputGradient: Bool = false
    ) -> Tensor? {
        precondition(pass.caches.count == steps.count, "UNet.backward needs a forward pass that kept its caches")
        var dh = dOutput
        var dSkips: [Tensor] = []
        var dActivatedEmbedding = Tensor.zeros(pass.activatedEmbedding.shape)
        for (index, step) in steps.enumerated().reversed() {
            switch (step, pass.caches[index]) {
            case (.residual(let block), .residual(let cache)):
                dh = block.backward(
                    dh, cache: cache, parameters: parameters, gradients: &gradients,
                    dActivatedEmbedding: &dActivatedEmbedding, workspace: workspace)
            case (.attention(let block), .attention(let cache)):
                dh = block.backward(dh, cache: cache, parameters: parameters, gradients: &gradients)
            case (.conv(let conv), .conv(let cache)):
                if index == 0 && !wantsInputGradient {
                    // The first conv reads the data, whose gradient training does not need.
                    conv.accumulateGradients(dh, cache: cache, parameters: parameters, gradients: &gradients, workspace: workspace)
                } else {
                    dh = conv.backward(dh, cache: cache, parameters: parameters, gradients: &gradients, workspace: workspace)
                }
            case (.norm(let norm), .norm(let cache)):
                dh = norm.backward(dh, cache: cache, parameters: parameters, gradients: &gradients)
            case (.silu, .silu(let cache)):
                dh = SiLU.backward(dh, cache: cache)
            case (.upsample, .upsample):
                dh = NearestUpsample.backward(dh)
            case (.pushSkip, .pushSkip):
                if let dSkip = dSkips.popLast() { accumulate(&dh, dSkip) }
            case (.concatenateSkip, .concatenateSkip(let mainChannels)):
                let (dMain, dSkip) = ChannelConcatenation.backward(dh, firstChannels: mainChannels)
                dh = dMain
                dSkips.append(dSkip)
            default:
                preconditionFailure("UNet.backward: cache \(index) does not belong to its step")
            }
        }
        let dEmbedding = SiLU.backward(dActivatedEmbedding, cache: pass.embeddingActivation)
        label.backward(dEmbedding, labels: labels, gradients: &gradients)
        if let guidance, let cache = pass.guidance {
            guidance.backward(dEmbedding, cache: cache, parameters: parameters, gradients: &gradients)
        }
        let dActivated = time2.backward(dEmbedding, cache: pass.time2, parameters: parameters, gradients: &gradients)
        time1.accumulateGradients(
            SiLU.backward(dActivated, cache: pass.timeActivation), cache: pass.time1,
            parameters: parameters, gradients: &gradients)
        return wantsInputGradient ? dh : nil
    }
}
