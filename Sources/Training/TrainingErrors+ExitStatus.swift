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
    public var exitStatus: ExitStatus {
        guard case .invalidOptions = self else { return .failure }
        return .usage
    }

    public var usageMessage: String? {
        guard case .invalidOptions(let reason) = self else { return nil }
        return reason.description
    }
}
