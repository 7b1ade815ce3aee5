import CSyscalls
import Foundation

// Moving a file within or between open directories only if its new name is free: the spool's
// claim, submit, requeue and finish. renameat2(RENAME_NOREPLACE) where the file system has it;
// otherwise link(2), a check that the old name still holds the linked file (the same inode, or
// on file systems that number inodes per name — sshfs — the same bytes), and an unlink whose
// ENOENT tells the loser of a race to undo its link.
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

extension DirectoryHandle {
    /// Renames `name` to `destination/newName` only if that name is free (renameat2
    /// RENAME_NOREPLACE; where the file system lacks it, linkat + checked unlinkat as in
    /// `AtomicFile.moveExclusive`). False when `name` is gone or `newName` exists.
    public func moveExclusive(_ name: String, to destination: DirectoryHandle, as newName: String) throws -> Bool {
        if kac_renameat_noreplace(descriptor, name, destination.descriptor, newName) != 0 {
            let error = errno
            switch error {
            case ENOENT, EEXIST: return false
            case EINVAL, ENOSYS, EPERM:
                guard try linkExclusive(name, to: destination, as: newName) else { return false }
            default:
                throw DiskIOError(
                    errno: error, systemCall: "renameat2", path: child(name),
                    message: "cannot move \(child(name)) to \(destination.child(newName)) (without replacing)")
            }
        }
        try syncAfterMove(to: destination)
        return true
    }

    /// One renameat2(RENAME_NOREPLACE) and nothing else (no fallback, no fsync): 0, or the errno.
    /// For the spool's start-up probe, which must know which mechanism a file system offers.
    public func renameNoReplaceErrno(_ name: String, to destination: DirectoryHandle, as newName: String) -> Int32 {
        kac_renameat_noreplace(descriptor, name, destination.descriptor, newName) == 0 ? 0 : errno
    }

    /// One linkat(2) and nothing else: 0, or the errno (for the start-up probe).
    public func linkErrno(_ name: String, to destination: DirectoryHandle, as newName: String) -> Int32 {
        linkat(descriptor, name, destination.descriptor, newName, 0) == 0 ? 0 : errno
    }

    /// The fallback: link, then keep the link only if `name` still denotes the linked file (the
    /// same inode, or where the file system renumbers inodes per name, the same bytes), and only
    /// if this participant's unlink of `name` succeeds: of two racers that both linked, the one
    /// whose unlink finds the name gone undoes its link (maildir's rule: the loser finds the
    /// source gone). Needs no inode numbers that are stable across names.
    func linkExclusive(_ name: String, to destination: DirectoryHandle, as newName: String) throws -> Bool {
        // What the old name held before the link, for when the new name has moved on before the check.
        let before = status(name)
        let beforeBytes: [UInt8]? = before.flatMap { info in
            guard Int(info.st_size) <= Self.sameContentsLimit, case .bytes(let bytes)? = try? read(name, limit: Int(info.st_size))
            else { return nil }
            return bytes
        }
        if linkat(descriptor, name, destination.descriptor, newName, 0) != 0 {
            let error = errno
            if error == ENOENT || error == EEXIST { return false }
            throw DiskIOError(
                errno: error, systemCall: "linkat", path: child(name),
                message: "cannot link \(child(name)) to \(destination.child(newName))")
        }
        // Someone took the new name onward already (a worker claimed a job just submitted): the link
        // happened. Retire the old name if it still holds what was linked.
        func movedOnward() -> Bool {
            guard let beforeBytes, case .bytes(let now)? = try? read(name, limit: beforeBytes.count), now == beforeBytes else {
                return false
            }
            return unlinkat(descriptor, name, 0) == 0
        }
        guard let linked = destination.status(newName) else { return movedOnward() }
        guard let current = status(name) else {
            unlinkat(destination.descriptor, newName, 0)
            return false
        }
        if current.st_dev != linked.st_dev || current.st_ino != linked.st_ino {
            switch sameContents(name, destination, newName, current, linked) {
            case .same: break
            // The status above came from a cache (a network mount's attribute cache, about a second)
            // after the new name had moved on: as if it had been missing. Undoing here would
            // unlink a name that no longer holds this link, or a racer's half-finished claim.
            case .otherGone: return movedOnward()
            case .different:
                unlinkat(destination.descriptor, newName, 0)
                return false
            }
        }
        guard unlinkat(descriptor, name, 0) == 0 else {
            let error = errno
            unlinkat(destination.descriptor, newName, 0)
            if error == ENOENT { return false }
            throw DiskIOError(
                errno: error, systemCall: "unlinkat", path: child(name),
                message: "cannot remove \(child(name)) after linking it to \(destination.child(newName))")
        }
        return true
    }

    /// Whether `name` here and `other/otherName` hold the same bytes, for file systems that give
    /// two names of one file different inode numbers (sshfs numbers inodes per path). Files larger
    /// than `sameContentsLimit` are never judged equal this way (job files are at most 16 MiB).
    /// `.otherGone` when `other/otherName` no longer exists (its `theirs` status was stale).
    public func sameContents(_ name: String, _ other: DirectoryHandle, _ otherName: String, _ mine: stat, _ theirs: stat) -> Comparison {
        guard Int(theirs.st_size) <= Self.sameContentsLimit else { return .different }
        guard let right = try? other.read(otherName, limit: Int(theirs.st_size)) else { return .different }
        guard case .bytes(let rightBytes) = right else { return right == .missing ? .otherGone : .different }
        guard mine.st_size == theirs.st_size, case .bytes(let left)? = try? read(name, limit: Int(mine.st_size)) else {
            return .different
        }
        return left == rightBytes ? .same : .different
    }

    /// What `sameContents` found.
    public enum Comparison: Sendable { case same, different, otherGone }

    /// The largest file `sameContents` compares.
    public static let sameContentsLimit = 16 << 20
}
