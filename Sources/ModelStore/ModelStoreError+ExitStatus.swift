// The exit status of each store error: a bad name or reference 64, damaged data 65, something
// missing 66, a refusal that protects data 69, a failed system call 77 (permissions) or 74.
import Vocabulary

extension ModelStoreError: ExitStatusReporting {
    public var exitStatus: ExitStatus {
        switch self {
        case .invalidReference, .invalidDigest, .ambiguousReference: .usage
        case .invalidSafetensors, .invalidCheckpoint, .unsupportedSchema, .corruptManifest, .corruptBlob, .sizeLimitExceeded,
            .compression, .invalidArchive, .invalidModel, .notAFile:
            .dataError
        case .notFound, .noStore, .fileNotFound: .noInput
        case .refused: .unavailable
        case .io: isPermissionDenied ? .noPermission : .ioError
        }
    }
}
