import DiskIO
import Foundation

// Low-level filesystem steps the spool is built from. Nothing here follows a symlink: entries are
// examined with lstat, files are opened with O_NOFOLLOW | O_NONBLOCK (a FIFO cannot block us), and
// moves that must not replace anything use link(2)+unlink(2), which refuses an existing target.
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

    /// Names in `directory`, unsorted; dotfiles included (callers decide).
    static func names(in directory: String) throws -> [String] {
        guard let handle = opendir(directory) else {
            throw SpoolError.io(DiskIOError(errno: errno, systemCall: "opendir", path: directory, message: "cannot list \(directory)"))
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

    enum ReadResult { case bytes([UInt8]), tooLarge(Int), notRegular(EntryInfo.Kind), missing }

    /// Reads a regular file without following symlinks, at most `limit` bytes.
    static func read(_ path: String, limit: Int) throws -> ReadResult {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        if fd < 0 {
            let error = errno
            if error == ENOENT { return .missing }
            if error == ELOOP { return .notRegular(.symlink) }
            throw SpoolError.io(DiskIOError(errno: error, systemCall: "open", path: path, message: "cannot open \(path)"))
        }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else {
            throw SpoolError.io(DiskIOError(errno: errno, systemCall: "fstat", path: path, message: "cannot examine \(path)"))
        }
        guard status.st_mode & S_IFMT == S_IFREG else { return .notRegular(.other) }
        guard Int(status.st_size) <= limit else { return .tooLarge(Int(status.st_size)) }
        var bytes = [UInt8](repeating: 0, count: limit + 1)
        var total = 0
        while total <= limit {
            let count = bytes.withUnsafeMutableBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return Glibc.read(fd, base + total, limit + 1 - total)
            }
            if count < 0 {
                let error = errno
                if error == EINTR { continue }
                throw SpoolError.io(DiskIOError(errno: error, systemCall: "read", path: path, message: "cannot read \(path)"))
            }
            if count == 0 { break }
            total += count
        }
        if total > limit { return .tooLarge(total) }
        return .bytes(Array(bytes[..<total]))
    }

    /// Moves `source` to `destination` only if `destination` does not exist. Returns false when the
    /// source is gone (another worker won) or the destination exists.
    static func moveExclusive(_ source: String, to destination: String) throws -> Bool {
        do { return try AtomicFile.moveExclusive(source, to: destination) } catch let error as DiskIOError { throw SpoolError.io(error) }
    }

    /// Renames, replacing `destination`; false if `source` vanished (another worker won).
    static func moveReplacing(_ source: String, to destination: String) throws -> Bool {
        do {
            try AtomicFile.move(source, to: destination)
            return true
        } catch let error as DiskIOError where error.code == .notFound {
            return false
        } catch let error as DiskIOError { throw SpoolError.io(error) }
    }

    static func remove(_ path: String) {
        unlink(path)
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
