// Errors from spool operations. Each message names the path or job and what the operator can do;
// a failed system call is kept as its `DiskIOError` (code, errno, call, path), never as text, so a
// caller can tell a full disk from a permission problem.
import DiskIO
import Vocabulary

public enum SpoolError: Error, Sendable, CustomStringConvertible {
    /// The spool directory or one of its subdirectories is missing or not a directory;
    /// `inTheWay` names a subdirectory that exists as something else (a symlink, a file), which
    /// creating the spool cannot fix.
    case notASpool(path: String, detail: String, inTheWay: String? = nil)
    /// A subdirectory is no longer the directory this process opened (renamed, replaced, or
    /// swapped for a symlink); the process stops claiming rather than follow it.
    case directoryReplaced(path: String, detail: String)
    /// A job id does not match `JobID.pattern`.
    case invalidJobID(String)
    /// A job with this id already exists in `state`.
    case duplicateJobID(String, state: SpoolState)
    /// No job with this id in any state.
    case jobNotFound(String)
    /// The job already finished; it cannot be cancelled any more.
    case alreadyFinished(String, state: SpoolState)
    /// This worker no longer holds the job: its lease expired and another worker requeued or took it.
    case leaseLost(jobID: String, detail: String)
    /// An output name is not a plain file name.
    case invalidOutputName(String)
    /// A file system call failed; `code` and `errno` say why (`.noSpace`, `.permissionDenied`, …).
    case io(DiskIOError)
    /// The spool's file system lacks a property exclusive claims need (`FilesystemProbe.missing`).
    case unsafeFilesystem(path: String, probe: FilesystemProbe)
    /// A record could not be encoded as JSON (a value such as NaN in a result passed to `writeResult`).
    case unencodable(path: String, cause: any Error)

    public var description: String {
        switch self {
        case let .notASpool(path, detail, inTheWay?):
            return
                "\(path) is not a usable spool (\(detail)); kac never follows a symlink inside a spool, so make \(path)/\(inTheWay) "
                + "a real directory again (move out what it holds, remove it, `mkdir \(path)/\(inTheWay)`); to keep images "
                + "on another disk, put the whole spool there and point --spool at it"
        case let .notASpool(path, detail, nil):
            let directories = SpoolDirectory.all.map(\.name).joined(separator: ",")
            return
                "\(path) is not a usable spool (\(detail)); check --spool, or create it: start kacd with --spool \(path), submit a job with `kac submit JOB.json --spool \(path) --create`, or `mkdir -p \(path)/{\(directories)}`"
        case let .directoryReplaced(path, detail):
            return
                "\(path) was replaced since this process opened it (\(detail)); nothing is claimed until it is restored — move the original directory back (or restart kacd to adopt the new one, after checking it is not a link)"
        case let .invalidJobID(id):
            return "job id \"\(id)\" is not allowed; ids match \(JobID.pattern) (letters, digits, '.', '_', '-'; no '/'; at most 64)"
        case let .duplicateJobID(id, state):
            return "a job with id \"\(id)\" already exists in \(state.rawValue)/; choose another id or remove \(state.rawValue)/\(id).json"
        case let .jobNotFound(id):
            return "no job \"\(id)\" in the spool; `kac status` lists queued and running jobs"
        case let .alreadyFinished(id, state):
            return "job \"\(id)\" already finished (it is in \(state.rawValue)/); nothing to cancel"
        case let .leaseLost(id, detail):
            return "job \(id): this worker lost its lease (\(detail)); stop working on it — another worker owns it now"
        case let .invalidOutputName(name):
            return "output name \"\(name)\" is not a plain file name matching \(JobID.pattern)"
        case let .io(error):
            return error.description
        case let .unsafeFilesystem(path, probe):
            return "the spool \(path) is on \(probe.filesystemType) (mounted at \(probe.mountPoint)), which lacks \(probe.missing ?? "a property claims need"); two workers could claim one job there, so it is refused — put the spool on a local file system, GlusterFS or sshfs (docs/several-hosts.md)"
        case let .unencodable(path, cause):
            return Reason(
                "cannot encode \(path) as JSON", cause: cause, joint: .parentheses,
                then: "; nothing was written — check the value for NaN or infinite numbers"
            ).description
        }
    }

    /// True when a write failed because the file system (or the quota) is full: a transient
    /// condition — the job goes back to the queue and is retried once space returns.
    public var isDiskFull: Bool { diskIOError?.code == .noSpace }

    /// The failed system call behind `.io` (nil for the other cases): switch on its `code`.
    public var diskIOError: DiskIOError? {
        if case .io(let error) = self { error } else { nil }
    }
}
