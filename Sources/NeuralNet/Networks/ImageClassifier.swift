// A small CNN that judges generated images (class accuracy, Fréchet distance on its features):
// conv3×3(w0) → conv3×3 stride 2(w0) → conv3×3(w1) → conv3×3 stride 2(w1), each GroupNorm + SiLU,
// then flatten → Linear(hidden) + SiLU (the features) → Linear(classes) (the logits).
// Invariant: `features` is exactly the input of the last Linear, so Fréchet statistics and the
// classifier's decision come from one representation. `featureTaps` exposes every stage's output
// of that same pass for judges that need more than the penultimate layer; it adds no parameters.
import TensorCore

public struct ImageClassifierConfiguration: Codable, Sendable, Equatable {
    public var imageHeight: Int, imageWidth: Int, imageChannels: Int
    /// Channels of the full-resolution and half-resolution conv pairs.
    public var widths: [Int]
    /// Width of the feature layer.
    public var hiddenWidth: Int
    public var groupCount: Int
    public var classCount: Int

    public init(
        imageHeight: Int, imageWidth: Int, imageChannels: Int, widths: [Int] = [32, 64], hiddenWidth: Int = 128,
        groupCount: Int = 8, classCount: Int
    ) {
        (self.imageHeight, self.imageWidth, self.imageChannels) = (imageHeight, imageWidth, imageChannels)
        (self.widths, self.hiddenWidth, self.groupCount, self.classCount) = (widths, hiddenWidth, groupCount, classCount)
    }

    public static let fashionMNIST = ImageClassifierConfiguration(imageHeight: 28, imageWidth: 28, imageChannels: 1, classCount: 10)
}

public final class ImageClassifier {
    public let configuration: ImageClassifierConfiguration
    /// All learnable weights. Assigning requires the same names and shapes (e.g. an EMA shadow, Adam's
    /// update, or a set loaded with `assign(from:)`), since the layers address tensors by index.
    public var parameters: ParameterSet {
        didSet {
            precondition(parameters.hasSameLayout(as: oldValue), "ImageClassifier.parameters: the new set has a different layout")
        }
    }
    /// Each stage: conv, GroupNorm (SiLU follows).
    let stages: [(conv: Conv2D, norm: GroupNorm)]
    let hidden: Linear, output: Linear
    let workspace = Workspace()

    public init(configuration c: ImageClassifierConfiguration, random: inout RandomSource) {
        let factor = 1 << c.widths.count
        precondition(
            !c.widths.isEmpty && c.imageHeight % factor == 0 && c.imageWidth % factor == 0
                && c.widths.allSatisfy { $0 % c.groupCount == 0 } && c.classCount > 0,
            "ImageClassifierConfiguration \(c) is invalid")
        configuration = c
        var p = ParameterSet()
        var stages: [(conv: Conv2D, norm: GroupNorm)] = []
        var channels = c.imageChannels
        for (level, width) in c.widths.enumerated() {
            for (index, stride) in [1, 2].enumerated() {
                let name = "features.\(2 * level + index)"
                stages.append(
                    (
                        Conv2D(
                            name: name + ".conv", inputChannels: channels, outputChannels: width, kernelSize: 3,
                            stride: stride, padding: 1, parameters: &p, random: &random),
                        GroupNorm(name: name + ".norm", channels: width, groupCount: c.groupCount, parameters: &p)
                    ))
                channels = width
            }
        }
        self.stages = stages
        let flattened = (c.imageHeight / factor) * (c.imageWidth / factor) * channels
        hidden = Linear(name: "hidden", inputWidth: flattened, outputWidth: c.hiddenWidth, parameters: &p, random: &random)
        output = Linear(name: "output", inputWidth: c.hiddenWidth, outputWidth: c.classCount, parameters: &p, random: &random)
        parameters = p
    }

    struct Pass {
        let stages: [(conv: Conv2D.Cache, norm: GroupNorm.Cache, activation: SiLU.Cache)]
        /// Each stage's output after SiLU, [N, h, w, C], in stage order.
        let activations: [Tensor]
        /// Shape of the last feature map [N, h, w, C] before flattening.
        let mapShape: [Int]
        let hidden: Linear.Cache, hiddenActivation: SiLU.Cache
        /// [N, hiddenWidth]
        let features: Tensor
    }

    func featurePass(_ images: Tensor) -> Pass {
        let c = configuration
        precondition(
            images.rank == 4 && Array(images.shape.dropFirst()) == [c.imageHeight, c.imageWidth, c.imageChannels],
            "ImageClassifier: images \(images.shape), expected [N, \(c.imageHeight), \(c.imageWidth), \(c.imageChannels)]")
        var h = images
        var caches: [(conv: Conv2D.Cache, norm: GroupNorm.Cache, activation: SiLU.Cache)] = []
        var activations: [Tensor] = []
        for stage in stages {
            let (convolved, convCache) = stage.conv.forward(h, parameters: parameters, workspace: workspace)
            let (normalized, normCache) = stage.norm.forward(convolved, parameters: parameters)
            let (activated, activationCache) = SiLU.forward(normalized)
            caches.append((convCache, normCache, activationCache))
            activations.append(activated)
            h = activated
        }
        let mapShape = h.shape
        let (hiddenOutput, hiddenCache) = hidden.forward(h.reshaped([h.shape[0], h.count / h.shape[0]]), parameters: parameters)
        let (features, activationCache) = SiLU.forward(hiddenOutput)
        return Pass(
            stages: caches, activations: activations, mapShape: mapShape, hidden: hiddenCache, hiddenActivation: activationCache,
            features: features)
    }

    /// images [N, H, W, C] in [−1, 1] → [N, hiddenWidth], the penultimate activations.
    public func features(_ images: Tensor) -> Tensor { featurePass(images).features }

    /// The activations one forward pass produces, for judging images by more than one layer.
    public struct FeatureTaps {
        /// Each convolution stage's output after GroupNorm and SiLU, [N, h, w, C], in stage order
        /// (for the Fashion-MNIST classifier: 28×28×32, 14×14×32, 14×14×64, 7×7×64).
        public let stages: [Tensor]
        /// [N, hiddenWidth], exactly `features(_:)`.
        public let penultimate: Tensor
    }

    /// images [N, H, W, C] in [−1, 1] → every stage's activations and the penultimate features.
    public func featureTaps(_ images: Tensor) -> FeatureTaps {
        let pass = featurePass(images)
        return FeatureTaps(stages: pass.activations, penultimate: pass.features)
    }

    /// (height, width, channels) of each stage's output, in stage order.
    public var stageShapes: [(height: Int, width: Int, channels: Int)] {
        let c = configuration
        var (height, width) = (c.imageHeight, c.imageWidth)
        return c.widths.flatMap { channels in
            [1, 2].map { stride in
                (height, width) = ((height + stride - 1) / stride, (width + stride - 1) / stride)
                return (height, width, channels)
            }
        }
    }

    /// images [N, H, W, C] → logits [N, classCount].
    public func logits(_ images: Tensor) -> Tensor {
        output.forward(features(images), parameters: parameters).output
    }

    /// images [N, H, W, C] → class probabilities [N, classCount] (the softmax of the logits).
    public func probabilities(_ images: Tensor) -> Tensor {
        var p = logits(images)
        p.scalars.withUnsafeMutableBufferPointer { buffer in
            if let base = buffer.baseAddress { softmaxRows(base, rows: images.shape[0], columns: configuration.classCount) }
        }
        return p
    }

    /// Mean softmax cross-entropy of the logits against `labels` (each in 0..<classCount), with gradients.
    public func lossAndGradients(_ images: Tensor, labels: [Int]) -> (loss: Float, gradients: ParameterSet) {
        let pass = featurePass(images)
        let (logits, outputCache) = output.forward(pass.features, parameters: parameters)
        let (loss, dLogits) = SoftmaxCrossEntropy.lossAndGradient(logits: logits, labels: labels)
        var gradients = parameters.zeros()
        let dFeatures = output.backward(dLogits, cache: outputCache, parameters: parameters, gradients: &gradients)
        let dHidden = SiLU.backward(dFeatures, cache: pass.hiddenActivation)
        var dh = hidden.backward(dHidden, cache: pass.hidden, parameters: parameters, gradients: &gradients).reshaped(pass.mapShape)
        for (index, stage) in stages.enumerated().reversed() {
            let cache = pass.stages[index]
            let dNormalized = SiLU.backward(dh, cache: cache.activation)
            let dConvolved = stage.norm.backward(dNormalized, cache: cache.norm, parameters: parameters, gradients: &gradients)
            if index == 0 {
                stage.conv.accumulateGradients(
                    dConvolved, cache: cache.conv, parameters: parameters, gradients: &gradients,
                    workspace: workspace)
            } else {
                dh = stage.conv.backward(
                    dConvolved, cache: cache.conv, parameters: parameters, gradients: &gradients,
                    workspace: workspace)
            }
        }
        return (loss, gradients)
    }
}
