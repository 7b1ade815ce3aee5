// ADM-style velocity UNet over NHWC images, built from a UNetConfiguration. The body is a flat list
// of steps (residual/attention blocks, convs, skip pushes and concatenations) run forward in order and
// backward in reverse; skips pushed on the way down are concatenated, last-in first-out, on the way up.
// Invariant: parameter names depend only on the configuration (they are the checkpoint keys), and
// the last conv of every residual block, every attention output and the final conv start at zero,
// as does the guidance embedding `guidance.linear.*` (only with `guidanceInput`), which is added to
// the time/label embedding: with it at zero the network computes exactly what it does without it.
import TensorCore

public final class UNet: VelocityNetwork {
    public let configuration: UNetConfiguration
    /// All learnable weights. Assigning requires the same names and shapes (e.g. an EMA shadow, Adam's
    /// update, or a set loaded with `assign(from:)`), since the layers address tensors by index.
    public var parameters: ParameterSet {
        didSet {
            precondition(parameters.hasSameLayout(as: oldValue), "UNet.parameters: the new set has a different layout")
            // Stale bf16 copies would sample the old weights: new weights go back to fp32 until asked again.
            bf16Weights = nil
        }
    }

    /// bf16 copies of the convolution and attention-projection weights while sampling in bf16
    /// (`useBF16Inference()`); nil: fp32. Training passes never use them.
    public internal(set) var bf16Weights: BF16Weights?

    let sinusoid: SinusoidalTimeEmbedding
    let time1: Linear, time2: Linear
    let label: LabelEmbedding
    /// Present exactly when `configuration.guidanceInput`.
    let guidance: GuidanceEmbedding?
    let steps: [Step]
    /// im2col scratch shared by every conv of this network (grows to the largest chunk, then stays).
    let workspace = Workspace()
    /// Images per internal pass. Bigger batches run as consecutive micro-batches (gradients
    /// accumulate across them), so one micro-batch's activations stay in cache; results equal a
    /// whole-batch pass up to Float summation order.
    public var microBatchSize = 16
    /// Sampling splits a batch into parts of this many images and runs whole forward passes of
    /// different parts on different threads (each layer single-threaded inside): one barrier per
    /// pass instead of one per layer, which is what lets one process use two cores (docs/design.md, "Threads"). The
    /// parts are the same whatever the thread count, so the bits are too.
    static let samplingPartSize = 8
    /// Sampling scratch, one set per `velocity` call in flight (the part of task i uses the set's
    /// i-th workspace): calls on several threads share the weights, never a buffer.
    let samplingScratch = WorkspacePool(setSize: 8)

    /// Bytes of sampling scratch held between calls (a model cache counts them with the weights).
    public var samplingScratchBytes: Int { samplingScratch.bytes }

    public var hasGuidanceInput: Bool { guidance != nil }

    public init(configuration c: UNetConfiguration, random: inout RandomSource) {
        if let problem = c.validationError() { preconditionFailure("UNetConfiguration: \(problem)") }
        configuration = c
        var p = ParameterSet()
        let e = c.embeddingWidth
        sinusoid = SinusoidalTimeEmbedding(width: c.baseWidth)
        time1 = Linear(name: "time.linear1", inputWidth: c.baseWidth, outputWidth: e, parameters: &p, random: &random)
        time2 = Linear(name: "time.linear2", inputWidth: e, outputWidth: e, parameters: &p, random: &random)
        label = LabelEmbedding(name: "label.embedding", classCount: c.classCount, width: e, parameters: &p, random: &random)
        // Zero-initialised: draws nothing, so every other tensor keeps the values it has without it.
        guidance =
            c.guidanceInput
            ? GuidanceEmbedding(name: "guidance", sinusoidWidth: c.baseWidth, outputWidth: e, parameters: &p, random: &random)
            : nil

        func residual(_ name: String, _ cin: Int, _ cout: Int) -> Step {
            .residual(
                ResidualBlock(
                    name: name, inputChannels: cin, outputChannels: cout, embeddingWidth: e,
                    groupCount: c.groupCount, parameters: &p, random: &random))
        }
        func attention(_ name: String, _ channels: Int) -> Step {
            .attention(
                AttentionBlock(
                    name: name, channels: channels, headCount: c.attentionHeads,
                    groupCount: c.groupCount, parameters: &p, random: &random))
        }
        func conv(_ name: String, _ cin: Int, _ cout: Int, stride: Int = 1, zero: Bool = false) -> Step {
            .conv(
                Conv2D(
                    name: name, inputChannels: cin, outputChannels: cout, kernelSize: 3, stride: stride,
                    padding: 1, zeroInitialized: zero, parameters: &p, random: &random))
        }

        var steps: [Step] = [conv("input.conv", c.imageChannels, c.baseWidth), .pushSkip]
        var skipWidths = [c.baseWidth]
        var width = c.baseWidth, resolution = c.imageHeight
        let lastLevel = c.widthMultipliers.count - 1
        for (level, multiplier) in c.widthMultipliers.enumerated() {
            for block in 0..<c.residualBlocksPerLevel {
                steps.append(residual("down.\(level).res.\(block)", width, multiplier * c.baseWidth))
                width = multiplier * c.baseWidth
                if c.attentionResolutions.contains(resolution) { steps.append(attention("down.\(level).attn.\(block)", width)) }
                steps.append(.pushSkip)
                skipWidths.append(width)
            }
            if level != lastLevel {
                steps += [conv("down.\(level).downsample", width, width, stride: 2), .pushSkip]
                skipWidths.append(width)
                resolution /= 2
            }
        }
        steps += [residual("middle.res.0", width, width), attention("middle.attn.0", width), residual("middle.res.1", width, width)]
        for (level, multiplier) in c.widthMultipliers.enumerated().reversed() {
            for block in 0...c.residualBlocksPerLevel {
                let skipWidth = skipWidths.removeLast()
                steps += [.concatenateSkip, residual("up.\(level).res.\(block)", width + skipWidth, multiplier * c.baseWidth)]
                width = multiplier * c.baseWidth
                if c.attentionResolutions.contains(resolution) { steps.append(attention("up.\(level).attn.\(block)", width)) }
            }
            if level != 0 {
                steps += [.upsample, conv("up.\(level).upsample", width, width)]
                resolution *= 2
            }
        }
        steps += [
            .norm(GroupNorm(name: "out.norm", channels: width, groupCount: c.groupCount, parameters: &p)),
            .silu, conv("out.conv", width, c.imageChannels, zero: true),
        ]
        self.steps = steps
        parameters = p
    }

    public func velocity(_ x: Tensor, times: [Float], labels: [Int], guidance: [Float]?) -> Tensor {
        precondition(
            x.rank == 4 && times.count == x.shape[0] && labels.count == x.shape[0],
            "UNet.velocity: x \(x.shape) with \(times.count) times and \(labels.count) labels")
        checkGuidance(guidance, count: x.shape[0], hasGuidanceInput: hasGuidanceInput, network: "UNet")
        let parts = microBatches(x.shape[0], size: min(microBatchSize, Self.samplingPartSize))
        func pass(_ range: Range<Int>, scratch: Workspace) -> Tensor {
            forward(
                x.images(range), times: Array(times[range]), labels: Array(labels[range]),
                guidance: guidance.map { Array($0[range]) }, keepingCaches: false, scratch: scratch
            ).output
        }
        return samplingScratch.withSet { scratch in
            if parts.count == 1 { return pass(parts[0], scratch: scratch[0]) }
            var results = [Tensor?](repeating: nil, count: parts.count)
            let tasks = min(kernelThreadCount, parts.count, scratch.count)
            results.withUnsafeMutableBufferPointer { results in
                parallelBLASTasks(tasks) { task in
                    for index in Swift.stride(from: task, to: parts.count, by: tasks) {
                        results[index] = pass(parts[index], scratch: scratch[task])
                    }
                }
            }
            var output = Tensor.uninitialized(x.shape)
            for (range, part) in zip(parts, results) {
                guard let part else { preconditionFailure("UNet.velocity: micro-batch \(range) was not computed") }
                output.setImages(range, from: part)
            }
            return output
        }
    }

    public func lossAndGradients(
        _ x: Tensor, times: [Float], labels: [Int], guidance: [Float]?,
        target: Tensor
    ) -> (loss: Float, gradients: ParameterSet) {
        precondition(
            x.rank == 4 && target.shape == x.shape && times.count == x.shape[0] && labels.count == x.shape[0],
            "UNet.lossAndGradients: x \(x.shape), target \(target.shape), \(times.count) times, \(labels.count) labels")
        checkGuidance(guidance, count: x.shape[0], hasGuidanceInput: hasGuidanceInput, network: "UNet")
        var gradients = parameters.zeros()
        var loss = 0.0
        let batch = x.shape[0]
        for range in microBatches(batch) {
            let partLabels = Array(labels[range])
            let pass = forward(
                x.images(range), times: Array(times[range]), labels: partLabels,
                guidance: guidance.map { Array($0[range]) }, keepingCaches: true)
            var (partLoss, dOutput) = MeanSquaredError.lossAndGradient(prediction: pass.output, target: target.images(range))
            // The loss is a mean over the whole batch: each part weighs by its share of the images.
            let share = Float(range.count) / Float(batch)
            dOutput.scalars.withUnsafeMutableBufferPointer { d in
                for i in d.indices { d[i] *= share }
            }
            loss += Double(partLoss * share)
            backward(dOutput, pass: pass, labels: partLabels, gradients: &gradients)
        }
        return (Float(loss), gradients)
    }

    /// Consecutive ranges of at most `size` (default `microBatchSize`) images covering 0..<batch.
    func microBatches(_ batch: Int, size: Int? = nil) -> [Range<Int>] {
        let size = max(1, size ?? microBatchSize)
        return Swift.stride(from: 0, to: batch, by: size).map { $0..<min($0 + size, batch) }
    }

    /// Multiply–accumulates ×2 of one forward pass for one image: convolutions, linears and the
    /// attention matmuls (normalisations and elementwise work are not counted).
    public var flopsPerImageForward: Int {
        var macs =
            time1.inputWidth * time1.outputWidth + time2.inputWidth * time2.outputWidth
            + (guidance?.multiplyAccumulates ?? 0)
        var (height, width) = (configuration.imageHeight, configuration.imageWidth)
        for step in steps {
            switch step {
            case .residual(let block): macs += block.multiplyAccumulates(height: height, width: width)
            case .attention(let block): macs += block.attention.multiplyAccumulates(positions: height * width)
            case .conv(let conv):
                macs += conv.multiplyAccumulates(height: height, width: width)
                (height, width) = ((height - 1) / conv.stride + 1, (width - 1) / conv.stride + 1)
            case .upsample: (height, width) = (2 * height, 2 * width)
            case .norm, .silu, .pushSkip, .concatenateSkip: break
            }
        }
        return 2 * macs
    }
}
