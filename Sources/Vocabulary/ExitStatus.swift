// The exit statuses of the project's commands (sysexits(3)), and the protocol by which each
// module's error type states its own: the library that knows what went wrong knows whether it was
// the caller's request (64), bad data (65), something missing (66) or the machine (74). `kac` exits
// with `exitStatus` and prints nothing else from it; the table is in docs/operating.md ("Exit codes").

public enum ExitStatus: Int32, Sendable, CaseIterable {
    /// EXIT_FAILURE: a failure none of the sysexits codes below describes.
    case failure = 1
    /// EX_USAGE: the command line or the request is wrong (options, values, ids, names, references).
    case usage = 64
    /// EX_DATAERR: input data is wrong: a job file that fails validation, a damaged zoo, a bad archive.
    case dataError = 65
    /// EX_NOINPUT: what was named does not exist: model, version, job, spool, zoo, input file.
    case noInput = 66
    /// EX_UNAVAILABLE: refused in the present state (job already finished, version still tagged).
    case unavailable = 69
    /// EX_CANTCREAT: the output cannot be created (output directory, a job id already taken).
    case cannotCreate = 73
    /// EX_IOERR: reading or writing failed midway.
    case ioError = 74
    /// EX_TEMPFAIL: interrupted; the same command may succeed later.
    case temporaryFailure = 75
    /// EX_NOPERM: this user may not read or write there.
    case noPermission = 77
    /// EX_CONFIG: the setup cannot work (a spool on a file system where claims are not exclusive).
    case configuration = 78
}

/// An error that says which status a command stopping on it exits with.
public protocol ExitStatusReporting: Error {
    var exitStatus: ExitStatus { get }
    /// Set when the error is a mistake on the command line (options that cannot make a run): the
    /// command prints it as it prints its own usage errors, with the usage line, and exits 64.
    var usageMessage: String? { get }
}

extension ExitStatusReporting {
    public var usageMessage: String? { nil }
}

extension ReferenceError: ExitStatusReporting {
    public var exitStatus: ExitStatus { .usage }
}
