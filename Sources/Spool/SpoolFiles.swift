import DiskIO
import Foundation

// Low-level filesystem steps the spool is built from. Nothing here follows a symlink: every call
// is relative to a directory the spool opened once (`DirectoryHandle`), entries are examined with
// fstatat(AT_SYMLINK_NOFOLLOW), files are opened with O_NOFOLLOW | O_NONBLOCK (a FIFO cannot block us).
// A failed system call throws `SpoolError.io` carrying the `DiskIOError` (errno, call, path).
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// What lstat says about one directory entry.
struct EntryInfo: Equatable {
    enum Kind: String { case regular = "regular file", directory, symlink = "symbolic link", fifo = "FIFO", socket, device, other }
    let kind: Kind
    let size: Int
    let inode: UInt64
    let modified: Date
    let changed: Date
}

enum SpoolFiles {
    static func info(_ path: String) -> EntryInfo? {
        var status = stat()
        guard lstat(path, &status) == 0 else { return nil }
        return entryInfo(status)
    }

    /// fstatat(AT_SYMLINK_NOFOLLOW) of `name` in an open directory.
    static func info(_ directory: DirectoryHandle, _ name: String) -> EntryInfo? {
        directory.status(name).map(entryInfo)
    }

    static func entryInfo(_ status: stat) -> EntryInfo {
        let kind: EntryInfo.Kind
        switch status.st_mode & S_IFMT {
        case S_IFREG: kind = .regular
        case S_IFDIR: kind = .directory
        case S_IFLNK: kind = .symlink
        case S_IFIFO: kind = .fifo
        case S_IFSOCK: kind = .socket
        case S_IFCHR, S_IFBLK: kind = .device
        default: kind = .other
        }
        func date(_ time: timespec) -> Date { Date(timeIntervalSince1970: Double(time.tv_sec) + Double(time.tv_nsec) / 1e9) }
        return EntryInfo(
            kind: kind, size: Int(status.st_size), inode: UInt64(status.st_ino),
            modified: date(status.st_mtim), changed: date(status.st_ctim))
    }

    /// Names in an open directory, unsorted; dotfiles included (callers decide).
    static func names(in directory: DirectoryHandle) throws -> [String] {
        do { return try directory.names() } catch let error as DiskIOError { throw SpoolError.io(error) }
    }

    enum ReadResult { case bytes([UInt8]), tooLarge(Int), notRegular, missing }

    /// Reads a regular file without following symlinks or blocking on a FIFO, at most `limit` bytes.
    static func read(_ directory: DirectoryHandle, _ name: String, limit: Int) throws -> ReadResult {
        do {
            switch try directory.read(name, limit: limit) {
            case .bytes(let bytes): return .bytes(bytes)
            case .tooLarge(let size): return .tooLarge(size)
            case .notRegular: return .notRegular
            case .missing: return .missing
            }
        } catch let error as DiskIOError { throw SpoolError.io(error) }
    }

    static func makeDirectory(_ path: String) throws {
        if mkdir(path, 0o775) != 0 {
            let error = errno
            if error != EEXIST {
                throw SpoolError.io(DiskIOError(errno: error, systemCall: "mkdir", path: path, message: "cannot create directory \(path)"))
            }
        }
        guard info(path)?.kind == .directory else {
            throw SpoolError.notASpool(path: path, detail: "exists but is not a directory (symlinks are not followed)")
        }
    }

    static func processIsAlive(_ pid: Int32) -> Bool {
        guard pid > 0 else { return false }
        return kill(pid, 0) == 0 || errno != ESRCH
    }

    static var hostName: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown-host" }
        let length = buffer.firstIndex(of: 0) ?? buffer.count
        return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
