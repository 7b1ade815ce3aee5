// The exit status of each spool error: a missing spool or job is 66, a bad id 64, a taken id 73,
// a finished job or a replaced directory 69, a lost lease 75, a file system unfit for claims 78.
import DiskIO
import Vocabulary

extension SpoolError: ExitStatusReporting {
    public var exitStatus: ExitStatus {
        switch self {
        case .notASpool, .jobNotFound: .noInput
        case .invalidJobID, .invalidOutputName: .usage
        case .duplicateJobID: .cannotCreate
        case .alreadyFinished, .directoryReplaced: .unavailable
        case .leaseLost: .temporaryFailure
        case .io(let cause): cause.exitStatus
        case .unencodable: .dataError
        case .unsafeFilesystem: .configuration
        }
    }
}

extension JobValidationError: ExitStatusReporting {
    public var exitStatus: ExitStatus { .dataError }
}
