// The manifest of one published model version (`models/<name>/<version>.json`, schema 1): what the
// model is (details supplied by the publisher) and where its weights are (blob digest and sizes,
// filled in by the store). The JSON is flat: `details` fields sit beside the store's own fields.
import Foundation
import Vocabulary

public enum ModelKind: String, Codable, Sendable, CaseIterable { case teacher, student, classifier }

public struct DatasetReference: Codable, Sendable, Equatable {
    public var name: String
    public var digest: Digest?

    public init(name: String, digest: Digest? = nil) {
        self.name = name
        self.digest = digest
    }
}

/// One evaluation row: quality and speed at a sampling setting (step count, integrator, guidance).
public struct EvaluationResult: Codable, Sendable, Equatable {
    public var steps: Int
    public var integrator: Integrator?
    public var guidanceScale: Double?
    /// Network evaluations per image (guided steps cost two unless batched into one pass of 2N).
    public var networkEvaluations: Int?
    /// On the evaluation classifier's penultimate features.
    public var frechetDistance: Double?
    /// On the evaluation classifier's multi-layer features (absent in manifests published before them).
    public var multiLayerFrechetDistance: Double?
    /// KID (unbiased MMD², cubic kernel) on the multi-layer features (absent in older manifests).
    public var multiLayerKernelDistance: Double?
    public var classAccuracy: Double?
    public var imagesPerSecond: Double?
    /// Samples the figures were computed on.
    public var sampleCount: Int?
    /// Who measured the distances: the evaluation classifier ("fashion-mnist/classifier@2"). Distances
    /// from different judges are different scales and are never compared (absent in manifests published
    /// before it was recorded; those rows form their own group).
    public var judge: String?

    public init(
        steps: Int, integrator: Integrator? = nil, guidanceScale: Double? = nil, networkEvaluations: Int? = nil,
        frechetDistance: Double? = nil, multiLayerFrechetDistance: Double? = nil,
        multiLayerKernelDistance: Double? = nil, classAccuracy: Double? = nil, imagesPerSecond: Double? = nil,
        sampleCount: Int? = nil, judge: String? = nil
    ) {
        self.steps = steps
        self.integrator = integrator
        self.guidanceScale = guidanceScale
        self.networkEvaluations = networkEvaluations
        self.frechetDistance = frechetDistance
        self.multiLayerFrechetDistance = multiLayerFrechetDistance
        self.multiLayerKernelDistance = multiLayerKernelDistance
        self.classAccuracy = classAccuracy
        self.imagesPerSecond = imagesPerSecond
        self.sampleCount = sampleCount
        self.judge = judge
    }
}

/// What the publisher says about a model. Optional fields are omitted where they do not apply
/// (a classifier has no Kac parameters or sampler; only students have a parent).
public struct ModelDetails: Codable, Sendable, Equatable {
    public var kind: ModelKind
    /// The network's configuration, opaque to the store (NeuralNet owns its meaning).
    public var architecture: [String: JSONValue]
    public var kac: KacParameters?
    /// The default sampler (its `guidance` is written `guidanceScale`).
    public var sampler: SamplingSettings?
    /// Class names in label order; nil in manifests written before the field existed (then the
    /// dataset implies them, see `ClassNames.implied`).
    public var classNames: [String]?
    /// Blob digest of the model this one was distilled or fine-tuned from.
    public var parent: Digest?
    public var dataset: DatasetReference?
    public var trainingCommand: String?
    public var seed: UInt64?
    public var trainingSteps: Int?
    public var evaluations: [EvaluationResult]
    /// KAC.md §7's figures for a distilled student, when measured (`kac zoo stability`).
    public var stability: EndpointStability?

    public init(
        kind: ModelKind, architecture: [String: JSONValue] = [:], kac: KacParameters? = nil,
        sampler: SamplingSettings? = nil, classNames: [String]? = nil, parent: Digest? = nil,
        dataset: DatasetReference? = nil,
        trainingCommand: String? = nil, seed: UInt64? = nil, trainingSteps: Int? = nil,
        evaluations: [EvaluationResult] = [], stability: EndpointStability? = nil
    ) {
        self.kind = kind
        self.architecture = architecture
        self.kac = kac
        self.sampler = sampler
        self.classNames = classNames
        self.parent = parent
        self.dataset = dataset
        self.trainingCommand = trainingCommand
        self.seed = seed
        self.trainingSteps = trainingSteps
        self.evaluations = evaluations
        self.stability = stability
    }
}

public struct ModelManifest: Codable, Sendable, Equatable {
    public static let currentSchema = 1

    public var schema: Int
    public var name: ModelName
    /// Monotonic per name, starting at 1; equals the manifest's file name.
    public var version: Int
    public var details: ModelDetails
    /// Digest of the zstd-compressed safetensors blob.
    public var blob: Digest
    public var compressedSize: Int
    public var uncompressedSize: Int
    public var dtype: TensorDType
    public var created: Date

    public init(
        name: ModelName, version: Int, details: ModelDetails, blob: Digest, compressedSize: Int,
        uncompressedSize: Int, dtype: TensorDType, created: Date
    ) {
        schema = Self.currentSchema
        self.name = name
        self.version = version
        self.details = details
        self.blob = blob
        self.compressedSize = compressedSize
        self.uncompressedSize = uncompressedSize
        self.dtype = dtype
        self.created = created
    }

    private enum CodingKeys: String, CodingKey {
        case schema, name, version, blob, compressedSize, uncompressedSize, dtype, created
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        schema = try container.decode(Int.self, forKey: .schema)
        name = try container.decode(ModelName.self, forKey: .name)
        version = try container.decode(Int.self, forKey: .version)
        blob = try container.decode(Digest.self, forKey: .blob)
        compressedSize = try container.decode(Int.self, forKey: .compressedSize)
        uncompressedSize = try container.decode(Int.self, forKey: .uncompressedSize)
        dtype = try container.decode(TensorDType.self, forKey: .dtype)
        created = try container.decode(Date.self, forKey: .created)
        details = try ModelDetails(from: decoder)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(schema, forKey: .schema)
        try container.encode(name, forKey: .name)
        try container.encode(version, forKey: .version)
        try container.encode(blob, forKey: .blob)
        try container.encode(compressedSize, forKey: .compressedSize)
        try container.encode(uncompressedSize, forKey: .uncompressedSize)
        try container.encode(dtype, forKey: .dtype)
        try container.encode(created, forKey: .created)
        try details.encode(to: encoder)
    }
}
