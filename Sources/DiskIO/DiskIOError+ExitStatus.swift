// A failed system call's exit status: the user's permissions and a read-only mount are 77, a
// missing file 66, anything else an I/O error (74).
import Vocabulary

extension DiskIOError: ExitStatusReporting {
    public var exitStatus: ExitStatus {
        switch code {
        case .permissionDenied, .readOnlyFileSystem: .noPermission
        case .notFound: .noInput
        default: .ioError
        }
    }
}
