// Tilted reals (docs/one-step-refinement.md "Tilted reals"). Classifier-free guidance at scale s
// targets, in its density reading, p_s(x | y) ∝ p(x | y)·p(y | x)^(s−1): the data's class-conditional
// law, sharpened toward images that are typical of their class. With `realTilt` γ > 0 the
// discriminator's real side is the training set drawn with probability ∝ p_c(y_i | x_i)^γ,
// normalised within each class (the class frequencies stay the data's), so γ = s − 1 puts the guided
// teacher's target on the real side while the reals stay real images.
//
// p_c is the run's own small classifier — an architecture neither evaluation classifier has — and it
// is cross-fitted: two networks, each trained on one half of the data, score the other half, so no
// image is scored by a network that saw it (a network is overconfident on its own training images,
// which would flatten the tilt). The probabilities depend only on the data, the network and the
// seed, all recorded in RUN/real-tilt.safetensors, so a resumed run reads them back.
import Foundation
import ModelStore
import NeuralNet
import TensorCore

public enum RealTilt {
    static let format = "kac-real-tilt-1"
    /// Epochs of each half's classifier.
    public static let epochs = 4

    /// The tilt classifier for images [H, W, C] (H and W divisible by 4): narrower than both evaluation
    /// classifiers (widths 16,32 / 32,64, hidden 128 / 256).
    public static func network(sampleShape: [Int], classCount: Int) -> ImageClassifierConfiguration? {
        guard sampleShape.count == 3, sampleShape[0] % 4 == 0, sampleShape[1] % 4 == 0, classCount >= 2 else { return nil }
        return ImageClassifierConfiguration(
            imageHeight: sampleShape[0], imageWidth: sampleShape[1], imageChannels: sampleShape[2], widths: [8, 16],
            hiddenWidth: 64, groupCount: 4, classCount: classCount)
    }

    /// `network`, or the usage error that says why this data cannot be tilted.
    public static func checkedNetwork(sampleShape: [Int], classCount: Int) throws -> ImageClassifierConfiguration {
        guard let network = network(sampleShape: sampleShape, classCount: classCount) else {
            throw TrainingError.invalidOptions(
                "--real-tilt needs images whose height and width are multiples of 4 in at least 2 classes, got samples \(sampleShape) in \(classCount) classes")
        }
        return network
    }

    /// p_c(y_i | x_i) for every sample of `data`: read from `file` when it holds them for this data, seed
    /// and network, else trained (two halves, `progress` gets plain lines) and written there.
    public static func probabilities(
        data: LabeledDataset, seed: UInt64, file: String, epochs: Int = RealTilt.epochs, progress: (String) -> Void
    ) throws -> [Float] {
        let network = try checkedNetwork(sampleShape: data.sampleShape, classCount: data.classNames.count)
        let identity = try identity(data: data, seed: seed, network: network, epochs: epochs)
        if FileManager.default.fileExists(atPath: file), let saved = try? Safetensors.read(from: file),
            identity.allSatisfy({ saved.metadata[$0.key] == $0.value }), let values = saved["probabilities"]?.values,
            values.count == data.count
        {
            return values
        }
        var order = RandomSource(seed: seed, stream: 41)
        var indices = Array(0..<data.count)
        for i in stride(from: indices.count - 1, to: 0, by: -1) { indices.swapAt(i, order.index(below: i + 1)) }
        let halves = [Array(indices[..<(data.count / 2)]), Array(indices[(data.count / 2)...])]
        var result = [Float](repeating: 0, count: data.count)
        for (fold, trainOn) in halves.enumerated() {
            let scoreOn = halves[1 - fold]
            let (images, labels) = data.batch(indices: trainOn)
            let training = LabeledDataset(samples: images, labels: labels, classNames: data.classNames)
            let configuration = ClassifierTrainingConfiguration(
                network: network, epochs: epochs, batchSize: min(128, training.count), maximumShift: 1,
                seed: seed &+ UInt64(fold + 1) &* 0x9E37_79B9)
            let trainer = ClassifierTrainer(configuration: configuration, dataset: training)
            let started = Date()
            while trainer.step < trainer.totalSteps {
                let loss = trainer.trainStep()
                guard loss.isFinite else { throw TrainingError.diverged(step: trainer.step, loss: loss) }
            }
            let held = data.batch(indices: scoreOn)
            let p = classProbabilities(trainer.classifier, images: held.samples, labels: held.labels)
            for (row, index) in scoreOn.enumerated() { result[index] = p[row] }
            let accuracy = trainer.classifier.accuracy(held.samples, labels: held.labels)
            progress(
                String(
                    format: "tilt classifier %d/2: trained on %d images in %.0f s, accuracy %.4f on the other %d", fold + 1,
                    training.count, Date().timeIntervalSince(started), accuracy, scoreOn.count))
        }
        try Safetensors.write(
            Checkpoint(tensors: [NamedTensor(name: "probabilities", shape: [data.count], values: result)], metadata: identity),
            to: file)
        return result
    }

    /// Softmax probability of each image's own label.
    static func classProbabilities(_ classifier: ImageClassifier, images: Tensor, labels: [Int], batchSize: Int = 500) -> [Float] {
        let k = classifier.configuration.classCount
        var result: [Float] = []
        result.reserveCapacity(labels.count)
        var first = 0
        classifier.forEachBatch(images, batchSize: batchSize) { batch in
            let p = classifier.probabilities(batch).scalars
            for row in 0..<batch.shape[0] { result.append(p[row * k + labels[first + row]]) }
            first += batch.shape[0]
        }
        return result
    }

    /// What the probabilities depend on: the data (its content digest, ImageDatasetDigest), the seed,
    /// the network and its epochs.
    static func identity(data: LabeledDataset, seed: UInt64, network: ImageClassifierConfiguration, epochs: Int) throws -> [String: String] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return [
            "format": format, "seed": String(seed), "epochs": String(epochs),
            "data": ImageDatasetDigest.digest(of: data).description, "count": String(data.count),
            "network": String(decoding: try encoder.encode(network), as: UTF8.self),
        ]
    }
}

/// Draws indices 0..<n with probability ∝ weight (inverse of the cumulative distribution).
public struct WeightedIndexSampler: Sendable {
    let cumulative: [Double]

    public init(weights: [Double]) {
        precondition(!weights.isEmpty && weights.allSatisfy { $0.isFinite && $0 >= 0 }, "WeightedIndexSampler: weights must be finite and ≥ 0")
        var sum = 0.0
        cumulative = weights.map { sum += $0; return sum }
        precondition(sum > 0, "WeightedIndexSampler: all weights are 0")
    }

    /// The tilt's weights p_i^γ / mean of p_j^γ over i's class (each class keeps its share of the data).
    public init(tilt probabilities: [Float], labels: [Int], gamma: Double) {
        precondition(probabilities.count == labels.count, "WeightedIndexSampler: \(probabilities.count) probabilities, \(labels.count) labels")
        let raw = probabilities.map { pow(max(Double($0), 1e-12), gamma) }
        var (sums, counts) = ([Int: Double](), [Int: Int]())
        for (weight, label) in zip(raw, labels) { sums[label, default: 0] += weight; counts[label, default: 0] += 1 }
        self.init(weights: zip(raw, labels).map { weight, label in weight * Double(counts[label, default: 0]) / sums[label, default: 1] })
    }

    public var count: Int { cumulative.count }

    /// Each index's weight.
    public var weights: [Double] { zip(cumulative, [0] + cumulative.dropLast()).map { $0 - $1 } }

    /// Effective sample size (Σw)²/Σw² as a fraction of n: 1 for equal weights.
    public var effectiveFraction: Double {
        let w = weights
        let sum = w.reduce(0, +), squares = w.reduce(0) { $0 + $1 * $1 }
        return sum * sum / squares / Double(count)
    }

    /// The index for `uniform` in [0, 1).
    public func index(uniform: Double) -> Int {
        let target = uniform * cumulative[cumulative.count - 1]
        var (low, high) = (0, cumulative.count - 1)
        while low < high {
            let middle = (low + high) / 2
            if cumulative[middle] > target { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
