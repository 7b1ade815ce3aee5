// The model check every door of the zoo runs (publish, import, verify, load; `ModelValidator`):
// what a manifest declares must be a model this kac can sample — Kac parameters and sampler
// defaults in their domains, an architecture of sane size that can be built, class names that fit
// it — and the weights must be exactly that architecture's tensors, every value finite.
// Invariant: nothing is allocated for an architecture before a lower bound on its parameter count
// has been checked, so a hostile manifest costs at most what a real model of its size would.
import Foundation
import ModelStore
import NeuralNet
import TensorCore
import Vocabulary

public struct ZooModelValidator: ModelValidator {
    /// Largest image side of a UNet or classifier (the shipped models are 28, folders 16–64).
    public static let maximumImageSide = 1024
    public static let maximumClassCount = 10_000
    /// Most parameters a model may have: 2 GiB of fp32 weights, the store's checkpoint cap.
    public static let maximumParameterCount = 512 << 20
    /// Largest full-resolution activation of one guided slot group (32 images) a UNet may need:
    /// 1 GiB (the shipped 28 × 28 teacher needs 3.2 MB; 512 × 512 at width 32 reaches the limit).
    public static let maximumActivationBytes = 1 << 30
    /// Safetensors header room per tensor and for the metadata (distillation records are a few KB).
    static let headerBytesPerTensor = 512
    static let metadataBytes = 1 << 20

    public init() {}

    public func validate(_ details: ModelDetails, dtype: TensorDType) throws(ModelValidationError) -> Int {
        let layout = try expectedLayout(details)
        let values = layout.reduce(0) { $0 + $1.shape.reduce(1, *) }
        return 8 + Self.metadataBytes + Self.headerBytesPerTensor * layout.count + values * dtype.byteCount
    }

    public func validate(_ checkpoint: Checkpoint, of details: ModelDetails) throws(ModelValidationError) {
        let layout = try expectedLayout(details)
        var expected: [String: [Int]] = [:]
        for (name, shape) in layout { expected[name] = shape }
        var seen = Set<String>()
        for tensor in checkpoint.tensors {
            guard let shape = expected[tensor.name] else {
                throw ModelValidationError(
                    field: "weights",
                    "include tensor \"\(Escaped.text(tensor.name, limit: 80))\", which is not a parameter of the declared architecture")
            }
            guard shape == tensor.shape else {
                throw ModelValidationError(
                    field: "weights", "give tensor \(tensor.name) the shape \(tensor.shape), but the architecture needs \(shape)")
            }
            seen.insert(tensor.name)
            if let bad = tensor.values.firstIndex(where: { !$0.isFinite }) {
                throw ModelValidationError(
                    field: "weights", "hold \(tensor.values[bad]) in tensor \(tensor.name) at index \(bad); every weight must be finite")
            }
        }
        if let missing = layout.first(where: { !seen.contains($0.name) }) {
            throw ModelValidationError(
                field: "weights", "lack tensor \(missing.name) of the declared architecture (\(layout.count - seen.count) missing)")
        }
    }

    /// The parameter names and shapes of the network `details` declare, after every declared value
    /// has been checked.
    func expectedLayout(_ details: ModelDetails) throws(ModelValidationError) -> [(name: String, shape: [Int])] {
        let parameters: ParameterSet
        let classCount: Int
        switch details.kind {
        case .classifier:
            let configuration = try Self.classifierConfiguration(details.architecture)
            classCount = configuration.classCount
            try Self.check(configuration)
            var scratch = RandomSource(seed: 0)
            parameters = ImageClassifier(configuration: configuration, random: &scratch).parameters
        case .teacher, .student:
            let architecture: NetworkArchitecture
            do { architecture = try ManifestCoding.decode(NetworkArchitecture.self, from: details.architecture, model: "") } catch {
                throw ModelValidationError(field: "architecture", Reason("cannot be read", cause: error, joint: .parentheses))
            }
            guard let kac = details.kac else {
                throw ModelValidationError(field: "kac", "is missing; a teacher or student needs Kac parameters")
            }
            if let problem = kac.domainViolation { throw ModelValidationError(field: "kac", problem) }
            guard let sampler = details.sampler else {
                throw ModelValidationError(field: "sampler", "is missing; a teacher or student needs a default sampler")
            }
            if let problem = sampler.domainViolation { throw ModelValidationError(field: "sampler", problem) }
            classCount = architecture.classCount
            try Self.check(architecture)
            var scratch = RandomSource(seed: 0)
            parameters = architecture.makeNetwork(random: &scratch).parameters
        }
        try Self.checkClasses(details, classCount: classCount)
        // Free text that `kac zoo show` and `kac zoo list` print: no control characters (escape
        // sequences would drive the terminal of whoever looks at the zoo).
        let texts =
            [("trainingCommand", details.trainingCommand), ("dataset.name", details.dataset?.name)]
            + details.evaluations.map { ("evaluations.judge", $0.judge) }
        for case let (field, text?) in texts where Escaped.needsEscaping(text.replacingOccurrences(of: "\t", with: " ")) {
            throw ModelValidationError(field: field, "holds control characters (\"\(Escaped.text(text, limit: 60))\")")
        }
        for row in details.evaluations {
            guard (0...SamplingSettings.maximumSteps).contains(row.steps),
                row.guidanceScale.map({ abs($0) <= SamplingSettings.maximumGuidance }) ?? true,
                (row.networkEvaluations ?? 0) >= 0
            else {
                throw ModelValidationError(
                    field: "evaluations",
                    "include a row with steps \(row.steps), guidance \(row.guidanceScale.map { "\($0)" } ?? "-"); "
                        + "steps must be 0…\(SamplingSettings.maximumSteps) and guidance finite"
                )
            }
        }
        return zip(parameters.names, parameters.tensors).map { ($0, $1.shape) }
    }

    static func checkClasses(_ details: ModelDetails, classCount: Int) throws(ModelValidationError) {
        guard (0...maximumClassCount).contains(classCount) else {
            throw ModelValidationError(field: "architecture.classCount", "is \(classCount); it must be 0…\(maximumClassCount)")
        }
        guard let names = details.classNames else { return }
        guard names.count == classCount else {
            throw ModelValidationError(field: "classNames", "has \(names.count) names for the \(classCount) classes of the network")
        }
        for name in names where name.isEmpty || name.utf8.count > ClassNames.maximumNameLength || Escaped.needsEscaping(name) {
            throw ModelValidationError(
                field: "classNames",
                "include \"\(Escaped.text(name, limit: 40))\", which is not a usable class name "
                    + "(1…\(ClassNames.maximumNameLength) bytes, no control characters)"
            )
        }
    }
}
