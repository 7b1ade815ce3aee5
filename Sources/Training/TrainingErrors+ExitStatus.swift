// The exit status of each Training error: options that cannot make a run, or a run started
// differently, are the command line's fault (64, and `invalidOptions`/`invalidConfiguration` are
// printed as usage errors); damaged files and diverged runs are bad data (65); a stop on request is
// temporary (75). An evaluation's other failures (a classifier that cannot judge) exit 1.
import Vocabulary

extension TrainingError: ExitStatusReporting {
    public var exitStatus: ExitStatus {
        switch self {
        case .recipeMismatch, .invalidOptions: .usage
        case .interrupted: .temporaryFailure
        case .notATrainingCheckpoint, .corruptCheckpoint, .diverged: .dataError
        }
    }

    public var usageMessage: String? {
        guard case .invalidOptions(let reason) = self else { return nil }
        return reason.description
    }
}

extension DatasetError: ExitStatusReporting {
    public var exitStatus: ExitStatus {
        switch self {
        case .missingFile: .noInput
        case .unreadable: .ioError
        case .corrupt, .tooFewSamples: .dataError
        }
    }
}

extension DistillationError: ExitStatusReporting {
    public var exitStatus: ExitStatus {
        switch self {
        case .invalidConfiguration, .runMismatch, .incompatibleStudent: .usage
        case .corruptFile: .dataError
        case .interrupted: .temporaryFailure
        }
    }

    public var usageMessage: String? {
        guard case .invalidConfiguration(let message) = self else { return nil }
        return message
    }
}

extension RefinementError: ExitStatusReporting {
    public var exitStatus: ExitStatus {
        switch self {
        case .invalidConfiguration, .runMismatch, .incompatibleNetworks: .usage
        case .corruptCheckpoint, .corruptKeptWeights, .diverged: .dataError
        case .interrupted: .temporaryFailure
        }
    }
}

extension EvaluationError: ExitStatusReporting {
    /// Options that cannot work (a bad `--data` among them) are usage errors; a model whose manifest
    /// records a data set name that breaks the grammar is bad data.
    public var exitStatus: ExitStatus {
        switch self {
        case .invalidOptions: .usage
        case .invalidDatasetName(let source, _): source == "--data" ? .usage : .dataError
        default: .failure
        }
    }

    public var usageMessage: String? {
        switch self {
        case .invalidOptions(let reason): reason.description
        case .invalidDatasetName("--data", _): description
        default: nil
        }
    }
}
