// Errors of evaluation and classifier handling, each with what the operator should do about it.

import Vocabulary

public enum EvaluationError: Error, CustomStringConvertible {
    case notAClassifier(source: String, reason: Reason)
    case classifierMismatch(classifier: String, model: String, reason: String)
    case noSettings
    case badEvaluationFile(path: String, reason: Reason)
    /// Options that cannot make an evaluation (models of different data, no judge for it); said like a usage error.
    case invalidOptions(Reason)
    /// A data set name (`--data`, or one a model records) that breaks the grammar.
    case invalidDatasetName(source: String, DatasetNameError)

    public var description: String {
        switch self {
        case .notAClassifier(let source, let reason):
            return
                "\(source) is not a usable evaluation classifier (\(reason)); train one with `kac classifier train` or pass --classifier fashion-mnist/classifier"
        case .classifierMismatch(let classifier, let model, let reason):
            return "classifier \(classifier) cannot judge \(model): \(reason); use a classifier trained on the model's dataset"
        case .noSettings:
            return "no sampling settings to evaluate; give at least one value to each of --steps, --samplers and --guidance"
        case .badEvaluationFile(let path, let reason):
            return "\(path): \(reason); pass the JSON written by `kac eval --json-file FILE`"
        case .invalidOptions(let reason):
            return reason.description
        case .invalidDatasetName(let source, let cause):
            return "\(source): \(cause)"
        }
    }
}
