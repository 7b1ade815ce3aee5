// Velocity network for low-dimensional toy data: [x ‖ sinusoid(t) ‖ label row] → (Linear → SiLU)×L
// → Linear back to D. The output layer starts at zero (like the UNet's final conv), so a fresh
// network predicts zero velocity. Parameter names: `input.*`, `hidden.{i}.*`, `output.*`, `label.*`,
// and with `guidanceInput` also `guidance.linear.*`: the embedding of s, added to the input layer's
// output (as if sinusoid(s) were concatenated to the input, while `input.weight` keeps its shape).
import TensorCore

public struct MLPVelocityConfiguration: Codable, Sendable, Equatable {
    /// Data dimension D.
    public var dimension: Int
    public var hiddenWidth: Int
    /// Number of Linear+SiLU layers before the output layer (at least 1).
    public var hiddenLayers: Int
    /// Width of the sinusoidal time embedding and of the label embedding.
    public var embeddingWidth: Int
    /// Number of real classes; label `classCount` is the null label (use 0 for unconditional data).
    public var classCount: Int
    /// The guidance scale s is a per-sample input (a guidance-conditioned student). Absent from JSON
    /// written before it existed, and omitted when false, so older configurations read and write unchanged.
    public var guidanceInput: Bool

    public init(
        dimension: Int, hiddenWidth: Int = 128, hiddenLayers: Int = 3, embeddingWidth: Int = 32, classCount: Int = 0,
        guidanceInput: Bool = false
    ) {
        (self.dimension, self.hiddenWidth, self.hiddenLayers) = (dimension, hiddenWidth, hiddenLayers)
        (self.embeddingWidth, self.classCount, self.guidanceInput) = (embeddingWidth, classCount, guidanceInput)
    }

    private enum CodingKeys: String, CodingKey { case dimension, hiddenWidth, hiddenLayers, embeddingWidth, classCount, guidanceInput }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        dimension = try container.decode(Int.self, forKey: .dimension)
        hiddenWidth = try container.decode(Int.self, forKey: .hiddenWidth)
        hiddenLayers = try container.decode(Int.self, forKey: .hiddenLayers)
        embeddingWidth = try container.decode(Int.self, forKey: .embeddingWidth)
        classCount = try container.decode(Int.self, forKey: .classCount)
        guidanceInput = try container.decodeIfPresent(Bool.self, forKey: .guidanceInput) ?? false
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(dimension, forKey: .dimension)
        try container.encode(hiddenWidth, forKey: .hiddenWidth)
        try container.encode(hiddenLayers, forKey: .hiddenLayers)
        try container.encode(embeddingWidth, forKey: .embeddingWidth)
        try container.encode(classCount, forKey: .classCount)
        if guidanceInput { try container.encode(true, forKey: .guidanceInput) }
    }
}

public final class MLPVelocityNetwork: VelocityNetwork {
    public let configuration: MLPVelocityConfiguration
    /// All learnable weights. Assigning requires the same names and shapes (e.g. an EMA shadow, Adam's
    /// update, or a set loaded with `assign(from:)`), since the layers address tensors by index.
    public var parameters: ParameterSet {
        didSet {
            precondition(parameters.hasSameLayout(as: oldValue), "MLPVelocityNetwork.parameters: the new set has a different layout")
        }
    }
    let sinusoid: SinusoidalTimeEmbedding
    let label: LabelEmbedding
    /// Present exactly when `configuration.guidanceInput`; its output joins the input layer's.
    let guidance: GuidanceEmbedding?
    /// Input layer first, output layer last; SiLU between consecutive layers.
    let layers: [Linear]

    public var hasGuidanceInput: Bool { guidance != nil }

    public init(configuration c: MLPVelocityConfiguration, random: inout RandomSource) {
        precondition(
            c.dimension > 0 && c.hiddenWidth > 0 && c.hiddenLayers >= 1 && c.embeddingWidth % 2 == 0,
            "MLPVelocityConfiguration \(c) is invalid")
        configuration = c
        var p = ParameterSet()
        sinusoid = SinusoidalTimeEmbedding(width: c.embeddingWidth)
        label = LabelEmbedding(
            name: "label.embedding", classCount: c.classCount, width: c.embeddingWidth,
            parameters: &p, random: &random)
        // Zero-initialised: draws nothing, so every other tensor keeps the values it has without it.
        guidance =
            c.guidanceInput
            ? GuidanceEmbedding(
                name: "guidance", sinusoidWidth: c.embeddingWidth, outputWidth: c.hiddenWidth,
                parameters: &p, random: &random)
            : nil
        var layers = [
            Linear(
                name: "input", inputWidth: c.dimension + 2 * c.embeddingWidth, outputWidth: c.hiddenWidth,
                parameters: &p, random: &random)
        ]
        for index in 1..<c.hiddenLayers {
            layers.append(
                Linear(
                    name: "hidden.\(index)", inputWidth: c.hiddenWidth, outputWidth: c.hiddenWidth,
                    parameters: &p, random: &random))
        }
        layers.append(
            Linear(
                name: "output", inputWidth: c.hiddenWidth, outputWidth: c.dimension, zeroInitialized: true,
                parameters: &p, random: &random))
        self.layers = layers
        parameters = p
    }

    struct Pass {
        /// [N, D]
        let output: Tensor
        let linear: [Linear.Cache]
        let activation: [SiLU.Cache]
        let guidance: Linear.Cache?
    }

    func forward(_ x: Tensor, times: [Float], labels: [Int], guidance scales: [Float]?) -> Pass {
        precondition(
            x.rank == 2 && x.shape[1] == configuration.dimension && times.count == x.shape[0]
                && labels.count == x.shape[0],
            "MLPVelocityNetwork: x \(x.shape), \(times.count) times, \(labels.count) labels; expected [N, \(configuration.dimension)]")
        checkGuidance(scales, count: x.shape[0], hasGuidanceInput: hasGuidanceInput, network: "MLPVelocityNetwork")
        let conditioning = ChannelConcatenation.forward(sinusoid.forward(times), label.forward(labels, parameters: parameters))
        var h = ChannelConcatenation.forward(x, conditioning)
        var linearCaches: [Linear.Cache] = [], activationCaches: [SiLU.Cache] = []
        var guidanceCache: Linear.Cache?
        for (index, layer) in layers.enumerated() {
            let (output, cache) = layer.forward(h, parameters: parameters)
            linearCaches.append(cache)
            h = output
            if index == 0, let guidance, let scales {
                let embedded = guidance.forward(scales, parameters: parameters)
                accumulate(&h, embedded.output)
                guidanceCache = embedded.cache
            }
            if index < layers.count - 1 {
                let (activated, activationCache) = SiLU.forward(h)
                activationCaches.append(activationCache)
                h = activated
            }
        }
        return Pass(output: h, linear: linearCaches, activation: activationCaches, guidance: guidanceCache)
    }

    public func velocity(_ x: Tensor, times: [Float], labels: [Int], guidance: [Float]?) -> Tensor {
        forward(x, times: times, labels: labels, guidance: guidance).output
    }

    public func lossAndGradients(
        _ x: Tensor, times: [Float], labels: [Int], guidance: [Float]?,
        target: Tensor
    ) -> (loss: Float, gradients: ParameterSet) {
        var gradients = parameters.zeros()
        var loss: Float = 0
        _ = backpropagate(x, times: times, labels: labels, guidance: guidance, gradients: &gradients) { _, output in
            let (value, dOutput) = MeanSquaredError.lossAndGradient(prediction: output, target: target)
            loss = value
            return dOutput
        }
        return (loss, gradients)
    }

    /// One part: the whole batch (the MLP does not split it).
    public func backpropagate(
        _ x: Tensor, times: [Float], labels: [Int], guidance: [Float]?,
        gradients: inout ParameterSet, cotangent: (_ rows: Range<Int>, _ output: Tensor) -> Tensor
    ) -> (output: Tensor, inputGradient: Tensor) {
        precondition(gradients.hasSameLayout(as: parameters), "MLPVelocityNetwork.backpropagate: gradients must have the parameters' layout")
        let pass = forward(x, times: times, labels: labels, guidance: guidance)
        let dOutput = cotangent(0..<x.shape[0], pass.output)
        precondition(
            dOutput.shape == pass.output.shape,
            "MLPVelocityNetwork.backpropagate: cotangent \(dOutput.shape) for output \(pass.output.shape)")
        var dh = dOutput
        for index in layers.indices.reversed() {
            if index < layers.count - 1 { dh = SiLU.backward(dh, cache: pass.activation[index]) }
            // The input layer's output fans out to the guidance embedding: same gradient.
            if index == 0, let embedding = self.guidance, let cache = pass.guidance {
                embedding.backward(dh, cache: cache, parameters: parameters, gradients: &gradients)
            }
            dh = layers[index].backward(dh, cache: pass.linear[index], parameters: parameters, gradients: &gradients)
        }
        // dh is [N, D + 2E]: the first D columns are dL/dx, the label embedding part leads to parameters.
        let (dInput, dConditioning) = ChannelConcatenation.backward(dh, firstChannels: configuration.dimension)
        let (_, dLabel) = ChannelConcatenation.backward(dConditioning, firstChannels: configuration.embeddingWidth)
        label.backward(dLabel, labels: labels, gradients: &gradients)
        return (pass.output, dInput)
    }
}
