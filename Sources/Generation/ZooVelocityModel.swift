// A teacher or student loaded from the zoo, ready to sample: manifest, architecture, Kac path,
// default sampling settings and the network with the published (EMA) weights. Publishing is the
// reverse: weights + recipe + evaluations become a zoo version. A manifest is decoded and checked
// (`ModelDescription`) once per model value: another precision reuses it, and a manifest equal to
// the model's own is not decoded again.
import Foundation
import KacFlow
import ModelStore
import NeuralNet
import TensorCore
import Vocabulary

public struct ZooVelocityModel {
    /// The manifest, decoded and checked.
    let modelDescription: ModelDescription
    /// The manifest this model was resolved to: its identity (name, version) and settings.
    public var manifest: ModelManifest { modelDescription.manifest }
    public var architecture: NetworkArchitecture { modelDescription.architecture }
    public var path: KacPath.Configuration { modelDescription.path }
    public var defaults: SamplingSettings { modelDescription.defaults }
    /// The model's classes in label order (the manifest's, else those its dataset implies).
    public var classNames: ClassNames { modelDescription.classNames }
    public let network: any VelocityNetwork
    /// The precision `network` samples in (see `inPrecision`).
    public let precision: Precision
    /// The bf16 twin of the loaded weights, made at most once and shared by every copy of this
    /// model (a model cache keeps it with the fp32 weights).
    let twins: PrecisionTwins

    /// The classes a generator's manifest names (or implies), without loading its weights.
    public static func classNames(of manifest: ModelManifest) throws -> ClassNames {
        try ModelDescription(manifest).classNames
    }

    /// Resolves `reference` in `store`, then loads that manifest's weights.
    public static func load(_ reference: String, from store: ModelStore) throws -> ZooVelocityModel {
        try load(try store.resolve(reference), from: store)
    }

    /// Loads the weights of an already-resolved manifest (verified against its digest); the
    /// manifest is not looked up again.
    public static func load(_ manifest: ModelManifest, from store: ModelStore) throws -> ZooVelocityModel {
        try make(try store.load(manifest))
    }

    public static func make(_ loaded: LoadedModel) throws -> ZooVelocityModel {
        let description = try ModelDescription(loaded.manifest)
        var scratch = RandomSource(seed: 0)
        let network = description.architecture.makeNetwork(random: &scratch)
        var parameters = network.parameters
        do {
            try parameters.load(from: loaded.checkpoint)
        } catch {
            throw ZooModelError.weightsMismatch(model: description.label, reason: Reason(cause: error))
        }
        network.parameters = parameters
        return ZooVelocityModel(description, network: network, precision: .fp32, twins: PrecisionTwins(fp32: network))
    }

    /// The same weights described by another manifest that shares the blob (another version's
    /// name, sampler defaults and class names). Refused when the architectures differ. The model's
    /// own manifest returns the model as it is.
    public func describedBy(_ other: ModelManifest) throws -> ZooVelocityModel {
        if other == manifest { return self }
        let description = try ModelDescription(other)
        guard other.blob == manifest.blob, description.architecture == architecture else {
            throw ZooModelError.weightsMismatch(
                model: description.label,
                reason: "its manifest describes another network than the loaded blob \(manifest.blob.short)")
        }
        return ZooVelocityModel(description, network: network, precision: precision, twins: twins)
    }

    init(_ description: ModelDescription, network: any VelocityNetwork, precision: Precision, twins: PrecisionTwins) {
        modelDescription = description
        self.network = network
        self.precision = precision
        self.twins = twins
    }

    public var generator: Generator { Generator(network: network, architecture: architecture, path: path) }

    /// "fashion-mnist/teacher@3".
    public var label: String { manifest.label }
}

/// What a teacher's or student's manifest says, checked: everything but the weights.
struct ModelDescription {
    let manifest: ModelManifest
    let architecture: NetworkArchitecture
    let path: KacPath.Configuration
    let defaults: SamplingSettings
    let classNames: ClassNames

    var label: String { manifest.label }

    init(_ manifest: ModelManifest) throws {
        let label = manifest.label
        let details = manifest.details
        guard details.kind != .classifier else {
            throw ZooModelError.wrongKind(model: label, expected: "teacher or student", found: "classifier")
        }
        let architecture = try ManifestCoding.decode(NetworkArchitecture.self, from: details.architecture, model: label)
        guard let kac = details.kac else { throw ZooModelError.missingField(model: label, field: "Kac parameters") }
        guard let sampler = details.sampler else { throw ZooModelError.missingField(model: label, field: "default sampler") }
        // Checked here too (not only by a store's validator): out of their domains, KacPath, the
        // sampler or the network would stop the process in a precondition.
        if let problem = kac.domainViolation { throw ZooModelError.invalid(model: label, ModelValidationError(field: "kac", problem)) }
        if let problem = sampler.domainViolation {
            throw ZooModelError.invalid(model: label, ModelValidationError(field: "sampler", problem))
        }
        do { try ZooModelValidator.check(architecture) } catch { throw ZooModelError.invalid(model: label, error) }
        let classCount = architecture.classCount
        let classNames =
            details.classNames.map(ClassNames.init)
            ?? ClassNames.implied(byDataset: details.dataset?.name, classCount: classCount)
        guard classNames.count == classCount else {
            throw ZooModelError.badArchitecture(
                model: label,
                reason: "it names \(classNames.count) classes but the network has \(classCount)")
        }
        self.manifest = manifest
        self.architecture = architecture
        self.path = kac
        self.defaults = sampler
        self.classNames = classNames
    }
}

extension ModelManifest {
    /// "fashion-mnist/teacher@3".
    public var label: String { "\(name)@\(version)" }
}

/// What `kac publish` / `kac distill --publish` record about a velocity model.
public struct VelocityModelPublication {
    public var name: String
    public var kind: ModelKind
    public var weights: ParameterSet
    public var architecture: NetworkArchitecture
    public var path: KacPath.Configuration
    public var defaults: SamplingSettings
    /// Class names in label order (nil: the dataset implies them, see `ClassNames.implied`).
    public var classNames: [String]?
    public var parent: Digest?
    public var dataset: DatasetReference?
    public var command: String?
    public var seed: UInt64?
    public var trainingSteps: Int?
    public var evaluations: [EvaluationResult]
    public var metadata: [String: String]
    /// KAC.md §7's endpoint-stability figures (students), when measured.
    public var stability: EndpointStability? = nil

    public init(
        name: String, kind: ModelKind, weights: ParameterSet, architecture: NetworkArchitecture,
        path: KacPath.Configuration, defaults: SamplingSettings, classNames: [String]? = nil, parent: Digest? = nil,
        dataset: DatasetReference? = nil, command: String? = nil, seed: UInt64? = nil,
        trainingSteps: Int? = nil, evaluations: [EvaluationResult] = [], metadata: [String: String] = [:]
    ) {
        self.name = name
        self.kind = kind
        self.weights = weights
        self.architecture = architecture
        self.path = path
        self.defaults = defaults
        self.classNames = classNames
        self.parent = parent
        self.dataset = dataset
        self.command = command
        self.seed = seed
        self.trainingSteps = trainingSteps
        self.evaluations = evaluations
        self.metadata = metadata
    }

    /// Publishes into `store` as the next version of `name`, moving `tags` (plus `latest`).
    @discardableResult
    public func publish(to store: ModelStore, dtype: TensorDType, tags: [String]) throws -> ModelManifest {
        // A dataset that names its classes (Fashion-MNIST) puts them in the manifest explicitly.
        let implied = ClassNames.implied(byDataset: dataset?.name, classCount: architecture.classCount)
        let classNames = self.classNames ?? (implied == .numbered(architecture.classCount) ? nil : implied.names)
        if let classNames, classNames.count != architecture.classCount {
            throw ZooModelError.badArchitecture(
                model: name, reason: "\(classNames.count) class names for \(architecture.classCount) classes")
        }
        let details = ModelDetails(
            kind: kind, architecture: try ManifestCoding.object(architecture), kac: path, sampler: defaults,
            classNames: classNames, parent: parent, dataset: dataset, trainingCommand: command, seed: seed, trainingSteps: trainingSteps,
            evaluations: evaluations, stability: stability)
        let checkpoint = Checkpoint(tensors: weights.namedTensors(), metadata: metadata)
        return try store.publish(
            checkpoint, as: try ModelName(name), details: details, dtype: dtype,
            tags: try tags.map { try TagName($0) })
    }
}
