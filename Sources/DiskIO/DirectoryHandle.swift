import CSyscalls
import Foundation

// An open directory, and every file operation relative to it (openat, renameat2, linkat,
// unlinkat, fstatat, mkdirat). A path is resolved once, when the handle is opened; after that a
// symlink swapped in for the directory, or for any directory above it, changes nothing: writes
// land in the directory that was opened, or fail (ENOENT once it was deleted). Children are
// opened with O_NOFOLLOW, and no call here follows a symlink in its last component.
// Atomic writes are the same steps as `AtomicFile.write`: temporary, write, fsync, rename, fsync;
// `write(batch:)` flushes many files with one syncfs and one directory fsync.
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

public final class DirectoryHandle: @unchecked Sendable {
    /// The path the directory had when it was opened; for messages only, never opened again.
    public let path: String
    /// The open descriptor (O_RDONLY | O_DIRECTORY), closed in deinit.
    public let descriptor: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// Opens `path` as a directory. Symlinks in `path` are followed: it is the operator's
    /// configuration (a spool root, an output directory), resolved once here.
    public convenience init(opening path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else {
            throw DiskIOError(errno: errno, systemCall: "open", path: path, message: "cannot open directory \(path)")
        }
        self.init(path: path, descriptor: fd)
    }

    /// `path/name`, for messages.
    public func child(_ name: String) -> String { path + "/" + name }

    /// Opens the subdirectory `name` without following a symlink (ELOOP or ENOTDIR otherwise).
    public func openDirectory(_ name: String) throws -> DirectoryHandle {
        let fd = openat(descriptor, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            let error = errno
            // O_NOFOLLOW | O_DIRECTORY on a link gives ELOOP or ENOTDIR; name the link as such.
            let isLink = status(name).map { $0.st_mode & S_IFMT == S_IFLNK } ?? false
            let what = isLink ? " (it is a symbolic link; directories are never followed through links)" : ""
            throw DiskIOError(errno: error, systemCall: "openat", path: child(name), message: "cannot open directory \(child(name))\(what)")
        }
        return DirectoryHandle(path: child(name), descriptor: fd)
    }

    /// Creates the subdirectory `name` if it is missing (mkdirat), then opens it without following
    /// links. Returns the handle and whether this call created it.
    public func makeDirectory(_ name: String, permissions: mode_t = 0o775) throws -> (handle: DirectoryHandle, created: Bool) {
        var created = true
        if mkdirat(descriptor, name, permissions) != 0 {
            let error = errno
            guard error == EEXIST else {
                throw DiskIOError(errno: error, systemCall: "mkdirat", path: child(name), message: "cannot create directory \(child(name))")
            }
            created = false
        }
        let handle = try openDirectory(name)
        if created { try sync() }
        return (handle, created)
    }

    /// lstat of `name` (fstatat with AT_SYMLINK_NOFOLLOW); nil when it does not exist.
    public func status(_ name: String) -> stat? {
        var result = stat()
        guard fstatat(descriptor, name, &result, AT_SYMLINK_NOFOLLOW) == 0 else { return nil }
        return result
    }

    /// Device and inode of the open directory itself.
    public var identity: (device: UInt64, inode: UInt64)? {
        var result = stat()
        guard fstat(descriptor, &result) == 0 else { return nil }
        return (UInt64(result.st_dev), UInt64(result.st_ino))
    }

    /// True while `name` in this directory is still the directory `handle` has open (not replaced,
    /// renamed or swapped for a symlink since it was opened).
    public func stillHolds(_ handle: DirectoryHandle, as name: String) -> Bool {
        guard let now = status(name), now.st_mode & S_IFMT == S_IFDIR, let held = handle.identity else { return false }
        return UInt64(now.st_dev) == held.device && UInt64(now.st_ino) == held.inode
    }

    /// Entry names, unsorted, without `.` and `..` (dotfiles included; callers decide).
    public func names() throws -> [String] {
        let fd = openat(descriptor, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0, let handle = fdopendir(fd) else {
            let error = errno
            if fd >= 0 { close(fd) }
            throw DiskIOError(errno: error, systemCall: "opendir", path: path, message: "cannot list \(path)")
        }
        defer { closedir(handle) }
        var result: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name != ".", name != ".." { result.append(name) }
        }
        return result
    }

    /// What `read` found.
    public enum ReadResult: Sendable, Equatable {
        case bytes([UInt8])
        /// Larger than the limit (the size seen).
        case tooLarge(Int)
        /// A symlink (ELOOP), FIFO, socket, device or directory: never read.
        case notRegular
        case missing
    }

    /// Reads the regular file `name`, at most `limit` bytes, without following a symlink and
    /// without blocking on a FIFO (O_NOFOLLOW | O_NONBLOCK).
    public func read(_ name: String, limit: Int) throws -> ReadResult {
        let fd = openat(descriptor, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        if fd < 0 {
            let error = errno
            if error == ENOENT { return .missing }
            if error == ELOOP || error == ENXIO { return .notRegular }
            throw DiskIOError(errno: error, systemCall: "openat", path: child(name), message: "cannot open \(child(name))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw DiskIOError(errno: errno, systemCall: "fstat", path: child(name), message: "cannot examine \(child(name))")
        }
        guard info.st_mode & S_IFMT == S_IFREG else { return .notRegular }
        guard Int(info.st_size) <= limit else { return .tooLarge(Int(info.st_size)) }
        var bytes = [UInt8](repeating: 0, count: limit + 1)
        var total = 0
        while total <= limit {
            let count = bytes.withUnsafeMutableBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return Glibc.read(fd, base + total, limit + 1 - total)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw DiskIOError(errno: errno, systemCall: "read", path: child(name), message: "cannot read \(child(name))")
            }
            if count == 0 { break }
            total += count
        }
        if total > limit { return .tooLarge(total) }
        return .bytes(Array(bytes[..<total]))
    }

    /// The prefix of every temporary file `write` creates; a sweep recognises them by it.
    public static let temporaryPrefix = ".tmp-"

    /// Writes `bytes` to `name` atomically and durably: `.tmp-<name>-<pid>-<random>` created
    /// exclusively (O_EXCL | O_NOFOLLOW) in this directory, written, fsynced, closed, renamed onto
    /// `name` (or, with `exclusive`, linked — false when `name` exists), directory fsynced.
    @discardableResult
    public func write(
        _ bytes: some Collection<UInt8>, to name: String, exclusive: Bool = false,
        permissions: mode_t = 0o644, faults: FaultInjector = .none
    ) throws -> Bool {
        let (temporary, fd) = try createTemporary(for: name, permissions: permissions)
        var closed = false
        defer {
            if !closed { close(fd) }
        }
        do {
            try AtomicFile.writeAll(fd: fd, bytes: bytes, path: child(temporary))
            try faults.trigger(.afterTemporaryWrite)
            guard fsync(fd) == 0 else {
                throw DiskIOError(
                    errno: errno, systemCall: "fsync", path: child(temporary), message: "cannot flush \(child(temporary)) to disk")
            }
            try faults.trigger(.afterFsync)
            closed = true
            guard close(fd) == 0 else {
                throw DiskIOError(errno: errno, systemCall: "close", path: child(temporary), message: "cannot close \(child(temporary))")
            }
            if exclusive {
                if linkat(descriptor, temporary, descriptor, name, 0) != 0 {
                    let error = errno
                    unlinkat(descriptor, temporary, 0)
                    if error == EEXIST { return false }
                    throw DiskIOError(
                        errno: error, systemCall: "linkat", path: child(name),
                        message: "cannot publish \(child(temporary)) as \(child(name))")
                }
                unlinkat(descriptor, temporary, 0)
            } else {
                guard renameat(descriptor, temporary, descriptor, name) == 0 else {
                    throw DiskIOError(
                        errno: errno, systemCall: "renameat", path: child(name),
                        message: "cannot rename \(child(temporary)) to \(child(name))")
                }
            }
            try faults.trigger(.afterRename)
            try sync()
            return true
        } catch {
            unlinkat(descriptor, temporary, 0)
            throw error
        }
    }

    /// Removes the file (or symlink) `name`; true if it existed. Never follows a link.
    @discardableResult
    public func remove(_ name: String) throws -> Bool {
        guard unlinkat(descriptor, name, 0) == 0 else {
            let error = errno
            if error == ENOENT { return false }
            throw DiskIOError(errno: error, systemCall: "unlinkat", path: child(name), message: "cannot remove \(child(name))")
        }
        return true
    }

    /// Removes the empty subdirectory `name` (unlinkat AT_REMOVEDIR; a symlink is refused, never
    /// followed); true if it existed.
    @discardableResult
    public func removeDirectory(_ name: String) throws -> Bool {
        guard unlinkat(descriptor, name, AT_REMOVEDIR) == 0 else {
            let error = errno
            if error == ENOENT { return false }
            throw DiskIOError(errno: error, systemCall: "unlinkat", path: child(name), message: "cannot remove directory \(child(name))")
        }
        return true
    }

    /// Renames `name` to `destination/newName`, replacing what is there; false when `name` is gone.
    /// fsyncs both directories.
    public func move(_ name: String, to destination: DirectoryHandle, as newName: String) throws -> Bool {
        guard renameat(descriptor, name, destination.descriptor, newName) == 0 else {
            let error = errno
            if error == ENOENT { return false }
            throw DiskIOError(
                errno: error, systemCall: "renameat", path: child(name),
                message: "cannot rename \(child(name)) to \(destination.child(newName))")
        }
        try syncAfterMove(to: destination)
        return true
    }

    /// Writes several files atomically and durably with two flushes in all instead of two per
    /// file: each `.tmp-<name>-…` created exclusively (O_EXCL | O_NOFOLLOW) and written, then one
    /// syncfs of the file system holding them (their bytes are on disk before any rename), each
    /// renamed onto its name, then one directory fsync. A crash leaves every name as it was or
    /// whole; temporaries of an interrupted batch may remain (removed by their prefix, like
    /// `write`'s). On failure the batch's remaining temporaries are removed; files renamed before
    /// the failure stay (each is whole).
    public func write(batch files: [(name: String, bytes: [UInt8])], permissions: mode_t = 0o644) throws {
        var temporaries: [String] = []
        var renamed = 0
        defer { for temporary in temporaries[renamed...] { unlinkat(descriptor, temporary, 0) } }
        for file in files {
            let (temporary, fd) = try createTemporary(for: file.name, permissions: permissions)
            temporaries.append(temporary)
            do { try AtomicFile.writeAll(fd: fd, bytes: file.bytes, path: child(temporary)) } catch {
                close(fd)
                throw error
            }
            guard close(fd) == 0 else {
                throw DiskIOError(errno: errno, systemCall: "close", path: child(temporary), message: "cannot close \(child(temporary))")
            }
        }
        guard files.isEmpty || kac_syncfs(descriptor) == 0 else {
            throw DiskIOError(errno: errno, systemCall: "syncfs", path: path, message: "cannot flush the files in \(path) to disk")
        }
        for (temporary, file) in zip(temporaries, files) {
            guard renameat(descriptor, temporary, descriptor, file.name) == 0 else {
                throw DiskIOError(
                    errno: errno, systemCall: "renameat", path: child(file.name),
                    message: "cannot rename \(child(temporary)) to \(child(file.name))")
            }
            renamed += 1
        }
        if !files.isEmpty { try sync() }
    }

    /// `.tmp-<name>-<pid>-<random>` created exclusively (O_EXCL | O_NOFOLLOW), open for writing.
    private func createTemporary(for name: String, permissions: mode_t) throws -> (name: String, descriptor: Int32) {
        let temporary = Self.temporaryPrefix + "\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = openat(descriptor, temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, permissions)
        guard fd >= 0 else {
            throw DiskIOError(
                errno: errno, systemCall: "openat", path: child(temporary),
                message: "cannot create the temporary file \(child(temporary)) for \(child(name))")
        }
        return (temporary, fd)
    }

    /// fsyncs the directory so a create, rename or unlink in it survives a crash.
    public func sync() throws {
        guard fsync(descriptor) == 0 else {
            throw DiskIOError(errno: errno, systemCall: "fsync", path: path, message: "cannot flush directory \(path) to disk")
        }
    }

    func syncAfterMove(to destination: DirectoryHandle) throws {
        try destination.sync()
        if destination !== self { try sync() }
    }
}
