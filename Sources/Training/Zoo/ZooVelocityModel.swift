// A teacher or student loaded from the zoo, ready to sample: manifest, architecture, Kac path,
// default sampling settings and the network with the published (EMA) weights. Publishing is the
// reverse: weights + recipe + evaluations become a zoo version.
import Foundation
import KacFlow
import ModelStore
import NeuralNet
import TensorCore

public struct ZooVelocityModel {
    public let manifest: ModelManifest
    public let architecture: NetworkArchitecture
    public let path: KacPath.Configuration
    public let defaults: SamplingSettings
    public let network: any VelocityNetwork

    /// Resolves `reference` in `store`, verifies and decodes the blob, and builds the network.
    public static func load(_ reference: String, from store: ModelStore) throws -> ZooVelocityModel {
        try make(try store.load(reference))
    }

    public static func make(_ loaded: LoadedModel) throws -> ZooVelocityModel {
        let manifest = loaded.manifest
        let label = "\(manifest.name)@\(manifest.version)"
        let details = manifest.details
        guard details.kind != .classifier else {
            throw ZooModelError.wrongKind(model: label, expected: "teacher or student", found: "classifier")
        }
        let architecture = try ManifestCoding.decode(NetworkArchitecture.self, from: details.architecture, model: label)
        guard let kac = details.kac else { throw ZooModelError.missingField(model: label, field: "Kac parameters") }
        guard let sampler = details.sampler else { throw ZooModelError.missingField(model: label, field: "default sampler") }
        guard let schedule = KacFlow.SignalSchedule(rawValue: kac.schedule.rawValue),
              let integrator = KacFlow.Integrator(rawValue: sampler.integrator.rawValue) else {
            throw ZooModelError.badArchitecture(model: label, reason: "unknown schedule or integrator")
        }
        let path = KacPath.Configuration(dampingRate: kac.dampingRate, speed: kac.speed, horizon: kac.horizon,
                                         schedule: schedule)
        var scratch = RandomSource(seed: 0)
        let network = architecture.makeNetwork(random: &scratch)
        var parameters = network.parameters
        do {
            try parameters.load(from: loaded.checkpoint)
        } catch {
            throw ZooModelError.weightsMismatch(model: label, reason: error.description)
        }
        network.parameters = parameters
        return ZooVelocityModel(
            manifest: manifest, architecture: architecture, path: path,
            defaults: SamplingSettings(integrator: integrator, steps: sampler.steps, guidance: sampler.guidanceScale),
            network: network)
    }

    public var generator: Generator { Generator(network: network, architecture: architecture, path: path) }

    /// "fashion-mnist/teacher@3".
    public var label: String { "\(manifest.name)@\(manifest.version)" }
}

/// What `kac publish` / `kac distill --publish` record about a velocity model.
public struct VelocityModelPublication {
    public var name: String
    public var kind: ModelKind
    public var weights: ParameterSet
    public var architecture: NetworkArchitecture
    public var path: KacPath.Configuration
    public var defaults: SamplingSettings
    public var parent: Digest?
    public var dataset: DatasetReference?
    public var command: String?
    public var seed: UInt64?
    public var trainingSteps: Int?
    public var evaluations: [EvaluationResult]
    public var metadata: [String: String]

    public init(name: String, kind: ModelKind, weights: ParameterSet, architecture: NetworkArchitecture,
                path: KacPath.Configuration, defaults: SamplingSettings, parent: Digest? = nil,
                dataset: DatasetReference? = nil, command: String? = nil, seed: UInt64? = nil,
                trainingSteps: Int? = nil, evaluations: [EvaluationResult] = [], metadata: [String: String] = [:]) {
        self.name = name
        self.kind = kind
        self.weights = weights
        self.architecture = architecture
        self.path = path
        self.defaults = defaults
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
        guard let schedule = ScheduleName(rawValue: path.schedule.rawValue),
              let integrator = SamplerName(rawValue: defaults.integrator.rawValue) else {
            throw ZooModelError.badArchitecture(model: name, reason: "schedule or integrator has no manifest spelling")
        }
        let details = ModelDetails(
            kind: kind, architecture: try ManifestCoding.object(architecture),
            kac: KacParameters(dampingRate: path.dampingRate, speed: path.speed, horizon: path.horizon, schedule: schedule),
            sampler: SamplerDefaults(integrator: integrator, steps: defaults.steps, guidanceScale: defaults.guidance),
            parent: parent, dataset: dataset, trainingCommand: command, seed: seed, trainingSteps: trainingSteps,
            evaluations: evaluations)
        let checkpoint = Checkpoint(tensors: weights.namedTensors(), metadata: metadata)
        return try store.publish(checkpoint, as: try ModelName(name), details: details, dtype: dtype,
                                 tags: try tags.map { try TagName($0) })
    }
}
