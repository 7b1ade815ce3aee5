// The one error type of DiskIO, modelled on swift-nio's `FileSystemError`: a `code` a caller can
// switch on (ENOSPC and EACCES are different problems), a message naming the path, and the
// system call and errno that failed, kept as values rather than text. Every DiskIO error comes
// from exactly one failed system call, so the errno is the whole cause.
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

public struct DiskIOError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is, decided from the errno in one place (`Code.init(errno:)`).
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// ENOENT: the file or one of its parent directories does not exist.
        case notFound
        /// EACCES, EPERM: this user may not do this (mode, owner, ACL, security module).
        case permissionDenied
        /// ENOSPC, EDQUOT: the file system or the user's quota is full.
        case noSpace
        /// EEXIST, ENOTEMPTY: something already has the name.
        case fileAlreadyExists
        /// ENOTDIR: a component of the path is not a directory.
        case notDirectory
        /// EISDIR: a directory is where a file was expected.
        case isDirectory
        /// EROFS: the file system is mounted read-only.
        case readOnlyFileSystem
        /// EMFILE, ENFILE: the process or the system ran out of file descriptors.
        case tooManyOpenFiles
        /// EXDEV: a rename or link across file systems.
        case crossDevice
        /// EINVAL, ENAMETOOLONG, ELOOP: the path or an argument is not acceptable here.
        case invalidArgument
        /// ENOSYS, EOPNOTSUPP: the file system does not implement the call.
        case unsupported
        /// EIO: the device (or network file server) reported an error.
        case ioError
        /// EBADF: the file was already closed (a programming error in the caller).
        case closed
        /// Any other errno; `errno` says which.
        case unknown

        public init(errno: Int32) {
            switch errno {
            case ENOENT: self = .notFound
            case EACCES, EPERM: self = .permissionDenied
            case ENOSPC, EDQUOT: self = .noSpace
            case EEXIST, ENOTEMPTY: self = .fileAlreadyExists
            case ENOTDIR: self = .notDirectory
            case EISDIR: self = .isDirectory
            case EROFS: self = .readOnlyFileSystem
            case EMFILE, ENFILE: self = .tooManyOpenFiles
            case EXDEV: self = .crossDevice
            case EINVAL, ENAMETOOLONG, ELOOP: self = .invalidArgument
            case ENOSYS, EOPNOTSUPP: self = .unsupported
            case EIO: self = .ioError
            case EBADF: self = .closed
            default: self = .unknown
            }
        }

        /// What the operator can do about it; the last sentence of `description`.
        public var advice: String {
            switch self {
            case .notFound: "Check that the directory exists (and was not removed meanwhile)."
            case .permissionDenied: "Check that this user may write there: owner, mode and ACLs of the file and its directory."
            case .noSpace: "The disk or the user's quota is full: free space (`df -h`, `quota`) and retry."
            case .fileAlreadyExists: "Something already has that name; remove it or choose another name."
            case .notDirectory: "A component of the path is a file, not a directory; fix the path."
            case .isDirectory: "A directory is in the way; remove it or choose another name."
            case .readOnlyFileSystem: "The file system is mounted read-only; remount it read-write or use another directory."
            case .tooManyOpenFiles: "Out of file descriptors; raise the limit (`ulimit -n`, systemd `LimitNOFILE=`)."
            case .crossDevice: "Both paths must be on the same file system."
            case .invalidArgument: "The path is not acceptable to this file system (too long, a symlink loop, or an unsupported name)."
            case .unsupported: "This file system does not support the operation; use a local file system."
            case .ioError: "The device reported an I/O error; check the disk or the network file server (`dmesg`)."
            case .closed: "The file was already closed; this is a bug in the caller."
            case .unknown: "See the system error above."
            }
        }
    }

    /// Where in the source the error was thrown, for bug reports (not part of `description`).
    public struct SourceLocation: Sendable, Hashable {
        public var function: String
        public var file: String
        public var line: Int
    }

    public let code: Code
    /// What failed, naming the path, e.g. "cannot rename /a to /b".
    public let message: String
    /// The file or directory the failed call acted on. For a two-path call (rename, link) it is
    /// the destination of an atomic write or publish, the source of a move; `message` names both.
    public let path: String
    /// The failed system call: `open`, `write`, `fsync`, `rename`, `renameat2`, `link`, …
    public let systemCall: String
    public let errno: Int32
    public let location: SourceLocation

    /// `errno` comes first so it is read before the message string is built.
    public init(
        errno: Int32, systemCall: String, path: String, message: String,
        function: String = #function, file: String = #fileID, line: Int = #line
    ) {
        self.code = Code(errno: errno)
        self.message = message
        self.path = path
        self.systemCall = systemCall
        self.errno = errno
        self.location = SourceLocation(function: function, file: file, line: line)
    }

    /// The C library's text for `errno`, e.g. "No space left on device".
    public var systemMessage: String { String(cString: strerror(errno)) }

    public var description: String {
        "\(message): \(systemMessage) (\(systemCall), errno \(errno)). \(code.advice)"
    }
}
