// The refiner's own discriminator for the adversarial term (docs/one-step-refinement.md): a small
// class-conditional projection discriminator (Miyato & Koyama, 2018), trained from scratch inside
// the refiner on real samples against the student's. It is never an evaluation classifier.
//   images [N, H, W, C]: conv3×3(w) → conv3×3 stride 2(2w) → conv3×3 stride 2(2w) → flatten → Linear(4w),
//   points [N, D]:       Linear(w) → Linear(w),
// each followed by SiLU, giving features φ; the logit is d(x, y) = ⟨a, φ⟩ + b + ⟨e_y, φ⟩.
// No normalisation layers: every sample's logit depends on that sample alone, so the input gradient
// of Σ d is each sample's own ∇ₓd (the R1 penalty and the generator's gradient rely on it).
import NeuralNet
import TensorCore

public struct DiscriminatorArchitecture: Codable, Sendable, Equatable {
    /// [H, W, C] for images, [D] for points.
    public var sampleShape: [Int]
    public var classCount: Int
    public var width: Int

    public init(sampleShape: [Int], classCount: Int, width: Int) {
        (self.sampleShape, self.classCount, self.width) = (sampleShape, classCount, width)
    }

    public var isImage: Bool { sampleShape.count == 3 }
}

public final class Discriminator {
    public let architecture: DiscriminatorArchitecture
    public var parameters: ParameterSet {
        didSet { precondition(parameters.hasSameLayout(as: oldValue), "Discriminator.parameters: the new set has a different layout") }
    }
    let convolutions: [Conv2D]
    let trunk: [Linear]
    let head: Linear
    let embedding: LabelEmbedding
    let workspace = Workspace()

    public init(architecture a: DiscriminatorArchitecture, random: inout RandomSource) {
        precondition(a.width > 0 && a.classCount >= 0 && (a.isImage || a.sampleShape.count == 1), "Discriminator: invalid architecture \(a)")
        architecture = a
        var p = ParameterSet()
        var convolutions: [Conv2D] = []
        var trunk: [Linear] = []
        let featureWidth: Int
        if a.isImage {
            var (height, width, channels) = (a.sampleShape[0], a.sampleShape[1], a.sampleShape[2])
            for (index, (out, stride)) in [(a.width, 1), (2 * a.width, 2), (2 * a.width, 2)].enumerated() {
                convolutions.append(
                    Conv2D(
                        name: "conv.\(index)", inputChannels: channels, outputChannels: out, kernelSize: 3, stride: stride,
                        padding: 1, parameters: &p, random: &random))
                (height, width, channels) = ((height - 1) / stride + 1, (width - 1) / stride + 1, out)
            }
            featureWidth = 4 * a.width
            trunk.append(Linear(name: "hidden", inputWidth: height * width * channels, outputWidth: featureWidth, parameters: &p, random: &random))
        } else {
            featureWidth = a.width
            trunk.append(Linear(name: "hidden.0", inputWidth: a.sampleShape[0], outputWidth: a.width, parameters: &p, random: &random))
            trunk.append(Linear(name: "hidden.1", inputWidth: a.width, outputWidth: a.width, parameters: &p, random: &random))
        }
        head = Linear(name: "head", inputWidth: featureWidth, outputWidth: 1, parameters: &p, random: &random)
        embedding = LabelEmbedding(name: "projection", classCount: a.classCount, width: featureWidth, parameters: &p, random: &random)
        // N(0, 1) rows would make the projection term dominate at the start; scale them like the head.
        let scale = 1 / Float(featureWidth).squareRoot()
        p.withMutableScalars(embedding.table) { rows in
            for i in rows.indices { rows[i] *= scale }
        }
        (self.convolutions, self.trunk, parameters) = (convolutions, trunk, p)
    }

    /// Logits d(x, y) [N] without gradients.
    public func logits(_ x: Tensor, labels: [Int]) -> [Float] {
        var scratch = parameters.zeros()
        return backpropagate(x, labels: labels, gradients: &scratch) { _ in nil }.logits
    }

    /// Runs d on x, asks `cotangent(logits)` for dL/dd [N] (nil: forward only), accumulates the
    /// parameter gradients of L into `gradients` and returns the logits and dL/dx.
    public func backpropagate(
        _ x: Tensor, labels: [Int], gradients: inout ParameterSet, cotangent: ([Float]) -> [Float]?
    ) -> (logits: [Float], inputGradient: Tensor) {
        let count = x.shape[0]
        precondition(Array(x.shape.dropFirst()) == architecture.sampleShape && labels.count == count, "Discriminator: input \(x.shape), \(labels.count) labels")
        var h = x
        var convCaches: [(Conv2D.Cache, SiLU.Cache)] = []
        for convolution in convolutions {
            let (convolved, cache) = convolution.forward(h, parameters: parameters, workspace: workspace)
            let (activated, activation) = SiLU.forward(convolved)
            convCaches.append((cache, activation))
            h = activated
        }
        let mapShape = h.shape
        h = h.reshaped([count, h.count / max(count, 1)])
        var linearCaches: [(Linear.Cache, SiLU.Cache)] = []
        for layer in trunk {
            let (output, cache) = layer.forward(h, parameters: parameters)
            let (activated, activation) = SiLU.forward(output)
            linearCaches.append((cache, activation))
            h = activated
        }
        let features = h, width = h.shape[1]
        let (headOutput, headCache) = head.forward(features, parameters: parameters)
        let projection = embedding.forward(labels, parameters: parameters)
        var logits = headOutput.scalars
        for n in 0..<count {
            for j in 0..<width { logits[n] += projection.scalars[n * width + j] * features.scalars[n * width + j] }
        }
        guard let dLogits = cotangent(logits) else { return (logits, Tensor(shape: x.shape, repeating: 0)) }
        precondition(dLogits.count == count, "Discriminator: \(dLogits.count) logit gradients for \(count) samples")
        var dFeatures = head.backward(Tensor(shape: [count, 1], scalars: dLogits), cache: headCache, parameters: parameters, gradients: &gradients)
        var dProjection = Tensor(shape: [count, width], repeating: 0)
        for n in 0..<count {
            for j in 0..<width {
                dFeatures.scalars[n * width + j] += dLogits[n] * projection.scalars[n * width + j]
                dProjection.scalars[n * width + j] = dLogits[n] * features.scalars[n * width + j]
            }
        }
        embedding.backward(dProjection, labels: labels, gradients: &gradients)
        var dh = dFeatures
        for (layer, (cache, activation)) in zip(trunk, linearCaches).reversed() {
            dh = layer.backward(SiLU.backward(dh, cache: activation), cache: cache, parameters: parameters, gradients: &gradients)
        }
        dh = dh.reshaped(mapShape)
        for (convolution, (cache, activation)) in zip(convolutions, convCaches).reversed() {
            dh = convolution.backward(
                SiLU.backward(dh, cache: activation), cache: cache, parameters: parameters, gradients: &gradients, workspace: workspace)
        }
        return (logits, dh)
    }
}
