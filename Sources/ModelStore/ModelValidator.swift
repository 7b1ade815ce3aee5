// What a store asks of a model beyond its container. ModelStore knows no networks (it never
// imports NeuralNet), so the module that does supplies a `ModelValidator`, and every door of a
// store opened with one runs it — publish, import, verify and load: the declared details before
// any byte of the blob is decompressed (which also bounds how large the blob may be: what a real
// model of the declared architecture needs), the decoded tensors after.
import Vocabulary

/// Why a model's details or weights are unusable: the field at fault and what is wrong with it.
public struct ModelValidationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `kac.speed`, `sampler.steps`, `architecture`, `classNames`, `weights`, `uncompressedSize`, …
    public var field: String
    /// What is wrong, with the error that found it when there is one.
    public var reason: Reason

    public init(field: String, _ reason: Reason) {
        self.field = field
        self.reason = reason
    }

    public init(field: String, _ sentence: String) { self.init(field: field, Reason(sentence)) }

    public var description: String { "\(field): \(reason)" }
}

/// Checks what a model declares against what it is. Implementations must not allocate more than a
/// real model of the declared architecture needs, and must refuse absurd architectures before that.
public protocol ModelValidator: Sendable {
    /// Checks everything `details` declare (parameters in their domains, architecture, class names,
    /// sampler defaults, evaluation rows); returns the largest uncompressed safetensors size, in
    /// bytes, a checkpoint of that architecture stored as `dtype` can have.
    func validate(_ details: ModelDetails, dtype: TensorDType) throws(ModelValidationError) -> Int
    /// Checks that `checkpoint` holds exactly the tensors the architecture has, with their shapes,
    /// and that every value is finite.
    func validate(_ checkpoint: Checkpoint, of details: ModelDetails) throws(ModelValidationError)
}

extension ModelStore {
    /// Runs the validator (when the store has one) on `details`; with `uncompressedSize`, also
    /// refuses a declared size larger than the architecture can fill.
    func checkDetails(_ details: ModelDetails, dtype: TensorDType, uncompressedSize: Int?, model: String) throws {
        guard let validator = configuration.validator else { return }
        do {
            let bound = try validator.validate(details, dtype: dtype)
            if let uncompressedSize, uncompressedSize > bound {
                throw ModelValidationError(
                    field: "uncompressedSize",
                    "is \(uncompressedSize) bytes, but the declared architecture holds at most \(bound) bytes in \(dtype.rawValue)"
                )
            }
        } catch let error as ModelValidationError {
            throw ModelStoreError.invalidModel(model: model, error)
        }
    }

    /// Runs the validator (when the store has one) on decoded weights.
    func checkWeights(_ checkpoint: Checkpoint, details: ModelDetails, model: String) throws {
        guard let validator = configuration.validator else { return }
        do { try validator.validate(checkpoint, of: details) } catch { throw ModelStoreError.invalidModel(model: model, error) }
    }

    /// Checks a manifest's details with the store's validator, without reading its blob (how the
    /// daemon's quality presets leave out a version that could never load). Throws
    /// `ModelStoreError.invalidModel`.
    public func validateDetails(of manifest: ModelManifest) throws {
        try checkDetails(
            manifest.details, dtype: manifest.dtype, uncompressedSize: manifest.uncompressedSize,
            model: "\(manifest.name)@\(manifest.version)")
    }
}
