import Foundation

// A file written in pieces, for content the caller hashes while writing (zstd blobs): a temporary
// file, appended to, fsynced and closed, then published with link(2) — never renamed over an
// existing name — and the destination directory fsynced. Unpublished temporaries are removed.
// Failed system calls throw `DiskIOError` (code, errno, call, path).
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

public final class StreamingFile {
    /// Where the bytes are being written; removed by `discard` or after `publish`.
    public let temporaryPath: String
    private var descriptor: Int32
    private var published = false

    /// Creates `directory/<prefix>-<pid>-<random>.tmp` exclusively.
    public init(directory: String, prefix: String, permissions: mode_t = 0o644) throws {
        temporaryPath = directory + "/\(prefix)-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).tmp"
        descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, permissions)
        guard descriptor >= 0 else {
            throw DiskIOError(
                errno: errno, systemCall: "open", path: temporaryPath, message: "cannot create the temporary file \(temporaryPath)")
        }
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
        if !published { unlink(temporaryPath) }
    }

    public func append(_ buffer: UnsafeRawBufferPointer) throws {
        guard descriptor >= 0 else {
            throw DiskIOError(
                errno: EBADF, systemCall: "write", path: temporaryPath, message: "cannot append to \(temporaryPath) after finish()")
        }
        try AtomicFile.writeBuffer(fd: descriptor, buffer: buffer, path: temporaryPath)
    }

    /// fsyncs and closes the temporary file; call once, after the last `append`.
    public func finish() throws {
        guard descriptor >= 0 else { return }
        guard fsync(descriptor) == 0 else {
            throw DiskIOError(errno: errno, systemCall: "fsync", path: temporaryPath, message: "cannot flush \(temporaryPath) to disk")
        }
        let fd = descriptor
        descriptor = -1
        guard close(fd) == 0 else {
            throw DiskIOError(errno: errno, systemCall: "close", path: temporaryPath, message: "cannot close \(temporaryPath)")
        }
    }

    /// Links the finished file to `destination` and fsyncs its directory. Returns false (and
    /// keeps the existing file) when `destination` already exists. The temporary is removed.
    @discardableResult
    public func publish(to destination: String) throws -> Bool {
        try finish()
        defer { unlink(temporaryPath) }
        if link(temporaryPath, destination) != 0 {
            let error = errno
            if error == EEXIST { return false }
            throw DiskIOError(
                errno: error, systemCall: "link", path: destination, message: "cannot publish \(temporaryPath) as \(destination)")
        }
        published = true
        let directory = (destination as NSString).deletingLastPathComponent
        try AtomicFile.syncDirectory(directory.isEmpty ? "." : directory)
        return true
    }

    /// Closes and removes the temporary file.
    public func discard() {
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
        unlink(temporaryPath)
    }
}

/// An advisory `flock(2)` on a lock file, held for the duration of `body`. Lock files are empty
/// and never read, so creating one is the single write that does not need `AtomicFile`.
public enum FileLock {
    public enum Mode: Sendable { case shared, exclusive }

    public static func withLock<T>(_ path: String, _ mode: Mode, _ body: () throws -> T) throws -> T {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DiskIOError(errno: errno, systemCall: "open", path: path, message: "cannot open lock file \(path)") }
        defer { close(fd) }
        while flock(fd, mode == .shared ? LOCK_SH : LOCK_EX) != 0 {
            let error = errno
            if error != EINTR { throw DiskIOError(errno: error, systemCall: "flock", path: path, message: "cannot lock \(path)") }
        }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }
}
