import Foundation

// The one way the project writes a file that others may read: a temporary file in the destination
// directory, write, fsync, close, rename over the destination, fsync the directory. A reader sees
// the old file or the whole new one, never a part; after a crash at any point the destination is
// intact. `FaultPoint` hooks let tests crash at each dangerous step. Failed system calls throw
// `DiskIOError` (errno, call, path); errors from a `FaultInjector` pass through unchanged.
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Steps of an atomic write where a test may inject a crash.
public enum FaultPoint: String, Sendable, CaseIterable {
    case afterTemporaryWrite, afterFsync, afterRename
}

/// A test hook: throws (or exits) at a named point. Production code passes `.none`.
public struct FaultInjector: Sendable {
    public let trigger: @Sendable (FaultPoint) throws -> Void
    public init(_ trigger: @escaping @Sendable (FaultPoint) throws -> Void) { self.trigger = trigger }
    public static let none = FaultInjector { _ in }
}

public enum AtomicFile {
    /// Writes `bytes` to `path` atomically and durably. With `exclusive`, refuses to replace an
    /// existing file (uses link(2) instead of rename(2)) and returns false if it already existed.
    @discardableResult
    public static func write(
        _ bytes: some Collection<UInt8>, to path: String, exclusive: Bool = false,
        permissions: mode_t = 0o644, faults: FaultInjector = .none
    ) throws -> Bool {
        let directory = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        let temporary = (directory.isEmpty ? "." : directory) + "/.tmp-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, permissions)
        guard fd >= 0 else {
            throw DiskIOError(
                errno: errno, systemCall: "open", path: temporary,
                message: "cannot create the temporary file \(temporary) for \(path)")
        }
        var closed = false
        defer {
            if !closed { close(fd) }
        }
        do {
            try writeAll(fd: fd, bytes: bytes, path: temporary)
            try faults.trigger(.afterTemporaryWrite)
            guard fsync(fd) == 0 else {
                throw DiskIOError(errno: errno, systemCall: "fsync", path: temporary, message: "cannot flush \(temporary) to disk")
            }
            try faults.trigger(.afterFsync)
            closed = true
            guard close(fd) == 0 else {
                throw DiskIOError(errno: errno, systemCall: "close", path: temporary, message: "cannot close \(temporary)")
            }
            if exclusive {
                if link(temporary, path) != 0 {
                    let error = errno
                    unlink(temporary)
                    if error == EEXIST { return false }
                    throw DiskIOError(errno: error, systemCall: "link", path: path, message: "cannot publish \(temporary) as \(path)")
                }
                unlink(temporary)
            } else {
                guard rename(temporary, path) == 0 else {
                    throw DiskIOError(errno: errno, systemCall: "rename", path: path, message: "cannot rename \(temporary) to \(path)")
                }
            }
            try faults.trigger(.afterRename)
            try syncDirectory(directory.isEmpty ? "." : directory)
            return true
        } catch {
            unlink(temporary)
            throw error
        }
    }

    /// fsyncs a directory so that a rename or unlink inside it survives a crash.
    public static func syncDirectory(_ directory: String) throws {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else {
            throw DiskIOError(errno: errno, systemCall: "open", path: directory, message: "cannot open directory \(directory)")
        }
        defer { close(fd) }
        guard fsync(fd) == 0 else {
            throw DiskIOError(errno: errno, systemCall: "fsync", path: directory, message: "cannot flush directory \(directory) to disk")
        }
    }

    /// Renames `source` to `destination` and fsyncs both directories.
    public static func move(_ source: String, to destination: String) throws {
        guard rename(source, destination) == 0 else {
            throw DiskIOError(errno: errno, systemCall: "rename", path: source, message: "cannot rename \(source) to \(destination)")
        }
        try syncDirectories(afterMoving: source, to: destination)
    }

    /// Makes a rename durable: fsyncs the destination's directory, and the source's when it differs.
    static func syncDirectories(afterMoving source: String, to destination: String) throws {
        let from = (source as NSString).deletingLastPathComponent
        let to = (destination as NSString).deletingLastPathComponent
        try syncDirectory(to.isEmpty ? "." : to)
        if from != to { try syncDirectory(from.isEmpty ? "." : from) }
    }

    static func writeAll(fd: Int32, bytes: some Collection<UInt8>, path: String) throws {
        let done: Bool? = try bytes.withContiguousStorageIfAvailable { buffer in
            try writeBuffer(fd: fd, buffer: UnsafeRawBufferPointer(buffer), path: path)
            return true
        }
        if done == nil {
            let copy = Array(bytes)
            try copy.withUnsafeBytes { try writeBuffer(fd: fd, buffer: $0, path: path) }
        }
    }

    /// Writes the whole buffer to `fd`, retrying short writes and EINTR.
    static func writeBuffer(fd: Int32, buffer: UnsafeRawBufferPointer, path: String) throws {
        guard let base = buffer.baseAddress else { return }
        var offset = 0
        while offset < buffer.count {
            let written = Glibc.write(fd, base + offset, buffer.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw DiskIOError(errno: errno, systemCall: "write", path: path, message: "cannot write \(path)")
            }
            offset += written
        }
    }
}
