// A failure a command reports itself, with its exit status. Every other error reaches `Kac.main`
// from the library that raised it and states its own status (`ExitStatusReporting`, in each module).
import Vocabulary

struct CommandFailure: ExitStatusReporting, CustomStringConvertible {
    let exitStatus: ExitStatus
    /// The sentence, or the library error it stands for (kept as a value until printed).
    let reason: Reason
    init(_ status: ExitStatus, _ message: String) {
        exitStatus = status
        reason = Reason(message)
    }
    init(_ status: ExitStatus, cause: any Error) {
        exitStatus = status
        reason = Reason(cause: cause)
    }
    var description: String { reason.description }
}
