// The evaluation classifier on disk: a training run's checkpoint (`kac-classifier-checkpoint/1`:
// weights plus the training configuration, command, data digest and test accuracy in the metadata)
// and its zoo form (kind `classifier`, architecture `{"network": "image-classifier", …}`).
// Invariant: the configuration travels with the weights, so a loader never guesses layer sizes.
import DiskIO
import Foundation
import Generation
import ModelStore
import NeuralNet
import TensorCore
import Vocabulary

/// A trained classifier and what is known about how it was made.
public struct ClassifierRecord {
    public var classifier: ImageClassifier
    public var training: ClassifierTrainingConfiguration?
    public var testAccuracy: Double?
    public var command: String?
    public var datasetDigest: String?
    /// "fashion-mnist/classifier@1" for a zoo model, the file path for a checkpoint.
    public var label: String
    /// The data set it was trained on (nil: Fashion-MNIST, the classifiers made before folders).
    public var datasetName: String?
    /// Its class names when the data set names its own (an image folder).
    public var classNames: [String]?
    /// Training and test image counts (nil: Fashion-MNIST's 60,000 and 10,000).
    public var trainingImageCount: Int?
    public var testImageCount: Int?

    public init(
        classifier: ImageClassifier, training: ClassifierTrainingConfiguration?, testAccuracy: Double?,
        command: String?, datasetDigest: String?, label: String
    ) {
        self.classifier = classifier
        self.training = training
        self.testAccuracy = testAccuracy
        self.command = command
        self.datasetDigest = datasetDigest
        self.label = label
    }

    public static let checkpointFormat = "kac-classifier-checkpoint/1"

    private struct Architecture: Codable {
        var network: String
        var configuration: ImageClassifierConfiguration
    }

    // MARK: Checkpoint files

    /// Writes the weights and record atomically to `path` (fp32 safetensors).
    public func save(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var metadata = [
            "format": Self.checkpointFormat,
            "network": String(decoding: try encoder.encode(classifier.configuration), as: UTF8.self),
        ]
        if let training { metadata["training"] = String(decoding: try encoder.encode(training), as: UTF8.self) }
        if let testAccuracy { metadata["testAccuracy"] = String(testAccuracy) }
        if let command { metadata["command"] = command }
        if let datasetDigest { metadata["datasetDigest"] = datasetDigest }
        if let datasetName { metadata["datasetName"] = datasetName }
        if let classNames { metadata["classNames"] = String(decoding: try encoder.encode(classNames), as: UTF8.self) }
        if let trainingImageCount { metadata["trainingImageCount"] = String(trainingImageCount) }
        if let testImageCount { metadata["testImageCount"] = String(testImageCount) }
        let checkpoint = Checkpoint(tensors: classifier.parameters.namedTensors(), metadata: metadata)
        try AtomicFile.write(try Safetensors.encode(checkpoint), to: path)
    }

    /// Reads a checkpoint written by `save(to:)`.
    public static func load(checkpointAt path: String) throws -> ClassifierRecord {
        let checkpoint = try Safetensors.read(from: path)
        let metadata = checkpoint.metadata
        guard metadata["format"] == checkpointFormat else {
            throw EvaluationError.notAClassifier(
                source: path, reason: "format \(metadata["format"] ?? "none"), expected \(checkpointFormat)")
        }
        let decoder = JSONDecoder()
        guard let networkText = metadata["network"],
            let network = try? decoder.decode(ImageClassifierConfiguration.self, from: Data(networkText.utf8))
        else {
            throw EvaluationError.notAClassifier(source: path, reason: "no readable network configuration")
        }
        let training = metadata["training"].flatMap { try? decoder.decode(ClassifierTrainingConfiguration.self, from: Data($0.utf8)) }
        var record = ClassifierRecord(
            classifier: try build(network, weights: checkpoint, source: path), training: training,
            testAccuracy: metadata["testAccuracy"].flatMap(Double.init), command: metadata["command"],
            datasetDigest: metadata["datasetDigest"], label: path)
        record.datasetName = metadata["datasetName"]
        record.classNames = metadata["classNames"].flatMap { try? decoder.decode([String].self, from: Data($0.utf8)) }
        record.trainingImageCount = metadata["trainingImageCount"].flatMap(Int.init)
        record.testImageCount = metadata["testImageCount"].flatMap(Int.init)
        return record
    }

    // MARK: Zoo

    /// Publishes as the next version of `name` (kind `classifier`, test accuracy as the evaluation row).
    @discardableResult
    public func publish(to store: ModelStore, name: String, dtype: TensorDType, tags: [String]) throws -> ModelManifest {
        let architecture = try ManifestCoding.object(
            Architecture(
                network: "image-classifier",
                configuration: classifier.configuration))
        // One row: test-set accuracy. `steps` 0 marks it as no sampler setting (a classifier does not sample).
        let evaluations =
            testAccuracy.map {
                [EvaluationResult(steps: 0, classAccuracy: $0, sampleCount: testImageCount ?? 10_000)]
            } ?? []
        let details = ModelDetails(
            kind: .classifier, architecture: architecture, classNames: classNames,
            dataset: DatasetReference(
                name: datasetName ?? DatasetName.fashionMNIST.text, digest: datasetDigest.flatMap { try? Digest(parsing: $0) }),
            trainingCommand: command, seed: training?.seed,
            // Without a recorded count: the full Fashion-MNIST training split (60,000 images).
            trainingSteps: training.map { $0.totalSteps(datasetCount: trainingImageCount ?? 60_000) },
            evaluations: evaluations)
        let checkpoint = Checkpoint(tensors: classifier.parameters.namedTensors(), metadata: [:])
        return try store.publish(
            checkpoint, as: try ModelName(name), details: details, dtype: dtype,
            tags: try tags.map { try TagName($0) })
    }

    /// Resolves `reference` in `store` and builds the classifier; refuses teachers and students.
    public static func load(_ reference: String, from store: ModelStore) throws -> ClassifierRecord {
        let loaded = try store.load(reference)
        let manifest = loaded.manifest
        let label = "\(manifest.name)@\(manifest.version)"
        guard manifest.details.kind == .classifier else {
            throw ZooModelError.wrongKind(model: label, expected: "classifier", found: manifest.details.kind.rawValue)
        }
        let architecture = try ManifestCoding.decode(Architecture.self, from: manifest.details.architecture, model: label)
        guard architecture.network == "image-classifier" else {
            throw ZooModelError.badArchitecture(model: label, reason: "network '\(architecture.network)' is not image-classifier")
        }
        var record = ClassifierRecord(
            classifier: try build(architecture.configuration, weights: loaded.checkpoint, source: label), training: nil,
            testAccuracy: manifest.details.evaluations.first?.classAccuracy, command: manifest.details.trainingCommand,
            datasetDigest: manifest.details.dataset?.digest?.description, label: label)
        record.datasetName = manifest.details.dataset?.name
        record.classNames = manifest.details.classNames
        record.testImageCount = manifest.details.evaluations.first?.sampleCount
        return record
    }

    private static func build(
        _ configuration: ImageClassifierConfiguration, weights: Checkpoint,
        source: String
    ) throws -> ImageClassifier {
        var scratch = RandomSource(seed: 0)
        let classifier = ImageClassifier(configuration: configuration, random: &scratch)
        var parameters = classifier.parameters
        do {
            try parameters.load(from: weights)
        } catch {
            throw EvaluationError.notAClassifier(source: source, reason: Reason("weights do not fit the configuration", cause: error))
        }
        classifier.parameters = parameters
        return classifier
    }
}
