// The one exit-code table of `kac` (sysexits(3)), used by every subcommand: `Kac.main` catches
// whatever a command throws, prints its message and exits with `ExitStatus.code(for:)`. The same
// table is in docs/operating.md ("Exit codes"); `kac render` has used it from the start.
import ArgumentParser
import DiskIO
import Generation
import ModelStore
import RenderService
import Spool
import Training
import Vocabulary

enum ExitStatus {
    /// EX_USAGE: the command line or the request is wrong (options, values, ids, names, references).
    static let usage: Int32 = 64
    /// EX_DATAERR: input data is wrong: a job file that fails validation, a damaged zoo, a bad archive.
    static let dataError: Int32 = 65
    /// EX_NOINPUT: what was named does not exist: model, version, job, spool, zoo, input file.
    static let noInput: Int32 = 66
    /// EX_UNAVAILABLE: refused in the present state (job already finished, version still tagged).
    static let unavailable: Int32 = 69
    /// EX_CANTCREAT: the output cannot be created (output directory, a job id already taken).
    static let cannotCreate: Int32 = 73
    /// EX_IOERR: reading or writing failed midway.
    static let ioError: Int32 = 74
    /// EX_TEMPFAIL: interrupted; the same command may succeed later.
    static let temporaryFailure: Int32 = 75
    /// EX_NOPERM: this user may not read or write there.
    static let noPermission: Int32 = 77
    /// EX_CONFIG: the setup cannot work (a spool on a file system where claims are not exclusive).
    static let configuration: Int32 = 78

    /// The exit status for an error a command threw; nil leaves it to ArgumentParser (its own
    /// parse and validation errors exit 64, `ExitCode` keeps its code).
    static func code(for error: any Error) -> Int32? {
        switch error {
        case let error as CommandFailure: return error.code
        case let error as RenderError: return error.exitCode
        case let error as SpoolError: return spoolCode(error)
        case let error as ModelStoreError: return storeCode(error)
        case is JobValidationError, is ZooModelError: return dataError
        case is ReferenceError: return usage
        case EvaluationError.invalidOptions: return usage
        case let error as DiskIOError: return diskCode(error)
        case let error as TrainingError:
            if case .recipeMismatch = error { return usage }
            if case .interrupted = error { return temporaryFailure }
            if case .invalidOptions = error { return usage }
            return dataError
        case let error as DatasetError:
            switch error {
            case .missingFile: return noInput
            case .unreadable: return ioError
            case .corrupt, .tooFewSamples: return dataError
            }
        case let error as DistillationError:
            switch error {
            case .invalidConfiguration, .runMismatch, .incompatibleStudent: return usage
            case .corruptFile: return dataError
            case .interrupted: return temporaryFailure
            }
        case let error as RefinementError:
            switch error {
            case .invalidConfiguration, .runMismatch, .incompatibleNetworks: return usage
            case .corruptCheckpoint, .diverged: return dataError
            case .interrupted: return temporaryFailure
            }
        default: return nil
        }
    }

    /// The message of a library error that is a mistake on the command line (options that cannot
    /// make a run or an evaluation); `Kac.main` prints it as ArgumentParser prints a ValidationError.
    static func usageMessage(for error: any Error) -> String? {
        switch error {
        case TrainingError.invalidOptions(let message), EvaluationError.invalidOptions(let message),
            DistillationError.invalidConfiguration(let message):
            message
        default: nil
        }
    }

    static func spoolCode(_ error: SpoolError) -> Int32 {
        switch error {
        case .notASpool, .jobNotFound: noInput
        case .invalidJobID, .invalidOutputName: usage
        case .duplicateJobID: cannotCreate
        case .alreadyFinished, .directoryReplaced: unavailable
        case .leaseLost: temporaryFailure
        case .io(let cause): diskCode(cause)
        case .unencodable: dataError
        case .unsafeFilesystem: configuration
        }
    }

    static func storeCode(_ error: ModelStoreError) -> Int32 {
        switch error {
        case .invalidReference, .invalidDigest, .ambiguousReference: usage
        case .invalidSafetensors, .invalidCheckpoint, .unsupportedSchema, .corruptManifest, .corruptBlob, .sizeLimitExceeded,
            .compression, .invalidArchive, .invalidModel, .notAFile:
            dataError
        case .notFound, .noStore, .fileNotFound: noInput
        case .refused: unavailable
        case .io: error.isPermissionDenied ? noPermission : ioError
        }
    }

    static func diskCode(_ error: DiskIOError) -> Int32 {
        switch error.code {
        case .permissionDenied, .readOnlyFileSystem: noPermission
        case .notFound: noInput
        default: ioError
        }
    }
}

/// A failure a command reports itself, with the exit status from `ExitStatus`.
struct CommandFailure: Error, CustomStringConvertible {
    let code: Int32
    /// The sentence, or the library error it stands for (kept as a value until printed).
    let reason: Reason
    init(_ code: Int32, _ message: String) {
        self.code = code
        reason = Reason(message)
    }
    init(_ code: Int32, cause: any Error) {
        self.code = code
        reason = Reason(cause: cause)
    }
    var description: String { reason.description }
}
