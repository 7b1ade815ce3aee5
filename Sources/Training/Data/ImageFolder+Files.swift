// How an image folder's entries are told apart and opened. The symlink policy: links are never
// followed — a symbolic link anywhere below the root (to a file, a class folder, /etc, /dev/zero,
// or back up the tree) is reported as skipped and never opened, and so are FIFOs, sockets and
// devices. Only regular files in real directories are read: each is opened component by component
// with O_NOFOLLOW from the root (so a link swapped in after the scan is refused, not followed),
// O_NONBLOCK (a FIFO cannot block the open), then fstat must say "regular file" and the size must
// be within `maximumFileBytes` before a byte is read. The root itself is the user's to name and
// may be a link.
import Foundation

#if canImport(Glibc)
import Glibc
import Vocabulary
#endif

extension ImageFolder {
    /// Largest image file read (a 64-megapixel photo is far smaller).
    public static let maximumFileBytes = 256 << 20

    /// What a directory entry is, by lstat (links are not followed).
    enum Kind: Equatable {
        case directory, regular, symbolicLink
        case special(String)
    }

    static func kind(of path: String) -> Kind? {
        var status = stat()
        guard lstat(path, &status) == 0 else { return nil }
        switch status.st_mode & S_IFMT {
        case S_IFDIR: return .directory
        case S_IFREG: return .regular
        case S_IFLNK: return .symbolicLink
        case S_IFIFO: return .special("a FIFO")
        case S_IFSOCK: return .special("a socket")
        default: return .special("a device")
        }
    }

    /// Why an entry of `kind` is not read, or nil for regular files and directories.
    static func refusal(_ kind: Kind?) -> String? {
        switch kind {
        case .directory, .regular: nil
        case .symbolicLink: "a symbolic link; links in image folders are not followed (copy the file or folder in)"
        case .special(let what): "\(what), not a regular file"
        case nil: "it vanished while the folder was listed"
        }
    }

    /// The bytes of the file `relativePath` below `root`, opened without following any link below
    /// the root and only if it is a regular file of at most `maximumFileBytes`.
    public static func readFile(root: String, relativePath: String) throws(DatasetError) -> [UInt8] {
        let path = root + "/" + relativePath
        func fail(_ reason: String) -> DatasetError { .unreadable(path: path, reason: Reason(reason)) }
        var directory = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directory >= 0 else { throw fail("cannot open the folder (\(String(cString: strerror(errno))))") }
        let components = relativePath.split(separator: "/").map(String.init)
        for component in components.dropLast() {
            let next = openat(directory, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            let code = errno
            close(directory)
            guard next >= 0 else {
                throw fail(code == ELOOP || code == ENOTDIR ? "\(component) is no longer a real folder" : String(cString: strerror(code)))
            }
            directory = next
        }
        let fd = openat(directory, components.last ?? "", O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        let code = errno
        close(directory)
        guard fd >= 0 else {
            throw fail(code == ELOOP ? "a symbolic link; links in image folders are not followed" : String(cString: strerror(code)))
        }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw fail(String(cString: strerror(errno))) }
        guard status.st_mode & S_IFMT == S_IFREG else { throw fail(refusal(.special("a special file")) ?? "not a regular file") }
        guard Int(status.st_size) <= maximumFileBytes else {
            throw fail("it is \(status.st_size) bytes, more than the \(maximumFileBytes)-byte limit for one image")
        }
        var bytes = [UInt8](repeating: 0, count: Int(status.st_size))
        var filled = 0
        while filled < bytes.count {
            let got = bytes.withUnsafeMutableBytes { buffer in read(fd, buffer.baseAddress.map { $0 + filled }, buffer.count - filled) }
            if got < 0, errno == EINTR { continue }
            guard got > 0 else { throw fail(got < 0 ? String(cString: strerror(errno)) : "it shrank while being read") }
            filled += got
        }
        return bytes
    }
}
