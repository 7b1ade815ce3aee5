import CSyscalls
import Foundation

// Moving a file only if its new name is free: the spool's claim (new/ → work/) and requeue.
// renameat2(RENAME_NOREPLACE) does this atomically under the directory locks. Where the file
// system cannot (EINVAL), link(2) + unlink(2) is the fallback — but link resolves the source name
// before it takes any lock, so a racer holding a stale lookup can link a file another process has
// already moved on. The fallback therefore checks that the source name still denotes the file it
// linked (the same inode, or — on file systems such as sshfs that number inodes per name — the
// same bytes) before unlinking it, and undoes its link otherwise; an unlink that finds the source
// gone (another racer unlinked it first) also undoes the link.
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

extension AtomicFile {
    /// Renames `source` to `destination` only if `destination` does not exist, then fsyncs both
    /// directories. False when `source` is gone or `destination` exists (another process won).
    public static func moveExclusive(_ source: String, to destination: String) throws -> Bool {
        if kac_rename_noreplace(source, destination) != 0 {
            let error = errno
            switch error {
            case ENOENT, EEXIST: return false
            case EINVAL, ENOSYS, EPERM:
                guard try linkExclusive(source, to: destination) else { return false }
            default:
                throw DiskIOError(
                    errno: error, systemCall: "renameat2", path: source,
                    message: "cannot move \(source) to \(destination) (without replacing)")
            }
        }
        try syncDirectories(afterMoving: source, to: destination)
        return true
    }

    /// The fallback: link, then keep the link only if `source` still names the linked inode.
    public static func linkExclusive(_ source: String, to destination: String) throws -> Bool {
        if link(source, destination) != 0 {
            let error = errno
            if error == ENOENT || error == EEXIST { return false }
            throw DiskIOError(errno: error, systemCall: "link", path: source, message: "cannot link \(source) to \(destination)")
        }
        return try settleLink(source, to: destination)
    }

    /// After `link(source, destination)` succeeded: unlinks `source` if it is the same file as
    /// `destination` and returns true; otherwise (the source name was moved on or replaced while
    /// link ran) removes `destination` again and returns false.
    public static func settleLink(_ source: String, to destination: String) throws -> Bool {
        var linked = stat(), current = stat()
        guard lstat(destination, &linked) == 0 else { return false }
        guard lstat(source, &current) == 0,
            (current.st_dev == linked.st_dev && current.st_ino == linked.st_ino)
                || sameContents(source, destination, current.st_size, linked.st_size)
        else {
            unlink(destination)
            return false
        }
        guard unlink(source) == 0 else {
            let error = errno
            unlink(destination)
            if error == ENOENT { return false }
            throw DiskIOError(
                errno: error, systemCall: "unlink", path: source, message: "cannot remove \(source) after linking it to \(destination)")
        }
        return true
    }

    /// Whether two paths hold the same bytes (sizes given by the caller's lstat); files over
    /// `DirectoryHandle.sameContentsLimit` are never judged equal.
    static func sameContents(_ first: String, _ second: String, _ firstSize: off_t, _ secondSize: off_t) -> Bool {
        guard firstSize == secondSize, Int(firstSize) <= DirectoryHandle.sameContentsLimit,
            let left = FileManager.default.contents(atPath: first), let right = FileManager.default.contents(atPath: second)
        else { return false }
        return left == right
    }
}
