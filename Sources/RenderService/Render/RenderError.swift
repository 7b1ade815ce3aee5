// Errors of the rendering core. Each message says what to change; `exitCode` maps them to the
// sysexits(3) codes `kac render` exits with, so scripts can tell bad input from a broken machine.

import Generation
import ModelStore
import Vocabulary

public enum RenderError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The request itself is wrong (count, labels, scale, steps, guidance, format options).
    case invalidRequest(String)
    /// A quality preset cannot tell which data set's models to choose among, or the data set
    /// named has none (a job's `dataset`; it fails as invalid-job, field `dataset`).
    case invalidDataset(String)
    /// The zoo has no model of that name, tag or version (`reason` says which, with a "did you
    /// mean" where a stored name is close). In a job it is the job's fault: invalid-job, field `model`.
    case modelNotFound(reference: String, reason: String)
    /// The model cannot be loaded for another reason than its data (an I/O error), or cannot render images.
    case modelUnavailable(reference: String, reason: Reason)
    /// The model was found but is unusable: its manifest or weights fail the zoo's checks (a
    /// damaged or forged blob, parameters out of their domain, weights that do not fit).
    case invalidModel(reference: String, reason: Reason)
    /// The output directory cannot be created or written.
    case outputUnavailable(path: String, reason: Reason)
    /// Encoding or writing an image failed midway; the reason keeps the error that stopped it.
    case writeFailed(path: String, reason: Reason)
    /// The caller asked to stop (cancel, shutdown, lost lease) between batches.
    case interrupted(reason: String)

    public var description: String {
        switch self {
        case .invalidRequest(let message), .invalidDataset(let message):
            return message
        case let .modelNotFound(reference, reason):
            let what = reason.hasPrefix("no model called") ? "the zoo has \(reason)" : "\(reference): \(reason)"
            return what + "; `kac zoo list` shows what the zoo holds"
        case let .modelUnavailable(reference, reason), let .invalidModel(reference, reason):
            return "model \(reference): \(reason)"
        case let .outputUnavailable(path, reason):
            return "cannot write to output directory \(path): \(reason); choose another --out or fix its permissions"
        case let .writeFailed(path, reason):
            return "could not write \(path): \(reason)"
        case .interrupted(let reason):
            return "rendering stopped: \(reason)"
        }
    }

    /// The status's number (`exitStatus`), as `kac render` exits with it.
    public var exitCode: Int32 { exitStatus.rawValue }
}

extension RenderError: ExitStatusReporting {
    /// 64 usage, 65 data error (an unusable model), 66 no input (model), 73 cannot create output, 74 I/O error, 75 temporary.
    public var exitStatus: ExitStatus {
        switch self {
        case .invalidRequest, .invalidDataset: .usage
        case .invalidModel: .dataError
        case .modelNotFound, .modelUnavailable: .noInput
        case .outputUnavailable: .cannotCreate
        case .writeFailed: .ioError
        case .interrupted: .temporaryFailure
        }
    }
}

extension RenderError {
    /// A failure to load `reference`: `invalidModel` when the store found it but its data is wrong
    /// (exit 65), else `modelUnavailable` (exit 66: not there, or unreadable for another reason).
    public static func loading(_ reference: String, _ error: any Error) -> RenderError {
        switch error {
        case is ZooModelError: return .invalidModel(reference: reference, reason: Reason(cause: error))
        case let error as ModelStoreError:
            switch error {
            case .invalidSafetensors, .invalidCheckpoint, .unsupportedSchema, .corruptManifest, .corruptBlob, .sizeLimitExceeded,
                .compression, .invalidArchive, .invalidModel, .notAFile:
                return .invalidModel(reference: reference, reason: Reason(cause: error))
            default: return .modelUnavailable(reference: reference, reason: Reason(cause: error))
            }
        default: return .modelUnavailable(reference: reference, reason: Reason(cause: error))
        }
    }
}
