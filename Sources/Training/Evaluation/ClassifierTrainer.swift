// Training the evaluation classifier (issue 3 item 4): softmax cross-entropy, Adam with a cosine
// learning-rate decay, optional random shifts of up to `maximumShift` pixels. Readable top to
// bottom like the flow trainer. Invariant: the result depends only on the configuration (its seed
// gives the initialisation on stream 0, the batch order on stream 2, the augmentation on stream 1).
import Foundation
import NeuralNet
import TensorCore

public struct ClassifierTrainingConfiguration: Codable, Sendable, Equatable {
    public var network: ImageClassifierConfiguration
    public var epochs: Int
    public var batchSize: Int
    public var learningRate: Double
    /// The learning rate decays along a cosine to this fraction of `learningRate` at the last step.
    public var finalLearningRateFraction: Double
    /// Largest random translation in pixels (0 = no augmentation); uncovered pixels are background (−1).
    public var maximumShift: Int
    public var seed: UInt64

    public init(
        network: ImageClassifierConfiguration, epochs: Int = 6, batchSize: Int = 128,
        learningRate: Double = 2e-3, finalLearningRateFraction: Double = 0.02, maximumShift: Int = 0,
        seed: UInt64 = 1
    ) {
        self.network = network
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.finalLearningRateFraction = finalLearningRateFraction
        self.maximumShift = maximumShift
        self.seed = seed
    }

    /// The project's evaluation classifier: small enough for a few hundred KB in fp16 (≈ 218 k weights).
    public static let fashionMNISTNetwork = ImageClassifierConfiguration(
        imageHeight: 28, imageWidth: 28, imageChannels: 1, widths: [16, 32], hiddenWidth: 128, groupCount: 8,
        classCount: 10)

    public func totalSteps(datasetCount: Int) -> Int { epochs * (datasetCount / batchSize) }

    func learningRate(atStep step: Int, totalSteps: Int) -> Double {
        let progress = min(Double(step) / Double(max(totalSteps, 1)), 1)
        let cosine = 0.5 * (1 + cos(Double.pi * progress))
        return learningRate * (finalLearningRateFraction + (1 - finalLearningRateFraction) * cosine)
    }
}

public final class ClassifierTrainer {
    public let configuration: ClassifierTrainingConfiguration
    public let classifier: ImageClassifier
    public private(set) var step = 0
    public let totalSteps: Int
    private let dataset: LabeledDataset
    private var batches: MiniBatchIterator
    private var optimizer: Adam
    private var augmentation: RandomSource

    public init(configuration: ClassifierTrainingConfiguration, dataset: LabeledDataset) {
        precondition(
            dataset.sampleShape == [
                configuration.network.imageHeight, configuration.network.imageWidth,
                configuration.network.imageChannels,
            ],
            "ClassifierTrainer: samples \(dataset.sampleShape) do not fit \(configuration.network)")
        self.configuration = configuration
        self.dataset = dataset
        var initRandom = RandomSource(seed: configuration.seed, stream: 0)
        classifier = ImageClassifier(configuration: configuration.network, random: &initRandom)
        optimizer = Adam(for: classifier.parameters, learningRate: Float(configuration.learningRate))
        augmentation = RandomSource(seed: configuration.seed, stream: 1)
        var orderRandom = RandomSource(seed: configuration.seed, stream: 2)
        batches = MiniBatchIterator(
            datasetCount: dataset.count, batchSize: configuration.batchSize,
            seed: orderRandom.next())
        totalSteps = configuration.totalSteps(datasetCount: dataset.count)
    }

    /// One optimisation step; returns the batch loss.
    @discardableResult
    public func trainStep() -> Float {
        var (images, labels) = dataset.batch(indices: batches.next())
        if configuration.maximumShift > 0 {
            images = Self.shifted(images, maximumShift: configuration.maximumShift, random: &augmentation)
        }
        let (loss, gradients) = classifier.lossAndGradients(images, labels: labels)
        optimizer.learningRate = Float(configuration.learningRate(atStep: step, totalSteps: totalSteps))
        var weights = classifier.parameters
        optimizer.update(&weights, gradients: gradients, clippingNormTo: 5)
        classifier.parameters = weights
        step += 1
        return loss
    }

    /// Trains to the end, reporting the mean loss of the last 50 batches and images/s.
    public func run(progress: ProgressReporter?) throws {
        var window: [Float] = []
        let started = Date()
        while step < totalSteps {
            let loss = trainStep()
            guard loss.isFinite else { throw TrainingError.diverged(step: step, loss: loss) }
            window.append(loss)
            if window.count > 50 { window.removeFirst() }
            let rate = Double(step * configuration.batchSize) / max(Date().timeIntervalSince(started), 1e-9)
            progress?.update(
                completed: step,
                fields: [
                    String(format: "epoch %d", step * configuration.batchSize / dataset.count + 1),
                    String(format: "loss %.4f", window.reduce(0, +) / Float(window.count)),
                    String(format: "%.0f images/s", rate),
                ])
        }
    }

    /// Each image [N, H, W, C] moved by its own random (dy, dx) in −maximumShift...maximumShift.
    static func shifted(_ images: Tensor, maximumShift: Int, random: inout RandomSource) -> Tensor {
        let (n, h, w, c) = (images.shape[0], images.shape[1], images.shape[2], images.shape[3])
        var out = [Float](repeating: -1, count: images.count)
        for i in 0..<n {
            let dy = random.index(below: 2 * maximumShift + 1) - maximumShift
            let dx = random.index(below: 2 * maximumShift + 1) - maximumShift
            for y in max(0, dy)..<min(h, h + dy) {
                for x in max(0, dx)..<min(w, w + dx) {
                    for k in 0..<c {
                        out[((i * h + y) * w + x) * c + k] = images.scalars[((i * h + y - dy) * w + x - dx) * c + k]
                    }
                }
            }
        }
        return Tensor(shape: images.shape, scalars: out)
    }
}

extension ImageClassifier {
    /// Predicted class of each image [N, H, W, C], computed in batches of `batchSize`.
    public func predictions(_ images: Tensor, batchSize: Int = 500) -> [Int] {
        var result: [Int] = []
        forEachBatch(images, batchSize: batchSize) { batch in
            let logits = self.logits(batch)
            let k = configuration.classCount
            for row in 0..<batch.shape[0] {
                var best = 0
                for j in 1..<k where logits.scalars[row * k + j] > logits.scalars[row * k + best] { best = j }
                result.append(best)
            }
        }
        return result
    }

    /// Penultimate features [N, hiddenWidth] of images [N, H, W, C], computed in batches.
    public func features(_ images: Tensor, batchSize: Int) -> Tensor {
        var scalars: [Float] = []
        scalars.reserveCapacity(images.shape[0] * configuration.hiddenWidth)
        forEachBatch(images, batchSize: batchSize) { scalars += self.features($0).scalars }
        return Tensor(shape: [images.shape[0], configuration.hiddenWidth], scalars: scalars)
    }

    /// Fraction of `images` whose predicted class equals `labels`.
    public func accuracy(_ images: Tensor, labels: [Int], batchSize: Int = 500) -> Double {
        precondition(images.shape[0] == labels.count, "accuracy: \(images.shape[0]) images, \(labels.count) labels")
        let predicted = predictions(images, batchSize: batchSize)
        return Double(zip(predicted, labels).filter { $0 == $1 }.count) / Double(max(labels.count, 1))
    }

    /// Calls `body` with consecutive slices of at most `batchSize` images, in order.
    func forEachBatch(_ images: Tensor, batchSize: Int, _ body: (Tensor) -> Void) {
        let n = images.shape[0], perImage = images.count / max(n, 1)
        var start = 0
        while start < n {
            let end = min(start + batchSize, n)
            let slice = Array(images.scalars[(start * perImage)..<(end * perImage)])
            body(Tensor(shape: [end - start] + Array(images.shape.dropFirst()), scalars: slice))
            start = end
        }
    }
}
