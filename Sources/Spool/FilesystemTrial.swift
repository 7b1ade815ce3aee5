// The steps of the file-system probe, each the call a claim relies on, in an empty directory of
// the probe's own: exclusive create (twice: the second must fail), fsync, atomic replace, and the
// no-replace move by whichever mechanism the file system offers. A step that behaves wrongly is a
// missing property; a step that fails for reasons unrelated to the file system's abilities
// (permissions, a full disk) makes the probe inconclusive rather than unsafe.
import DiskIO
import Foundation
import Vocabulary

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

struct FilesystemTrial {
    enum Outcome: Equatable {
        case passed
        case missing(Reason)
        case failed(Reason)
    }

    let directory: DirectoryHandle

    /// Errors that say "this file system cannot do that", as opposed to "not now" or "not you".
    static let unsupported: Set<Int32> = [EINVAL, ENOSYS, EPERM, ENOTSUP, EOPNOTSUPP, EXDEV, EMLINK]

    /// Errors that say "not now" or "not you" rather than "cannot": the probe is inconclusive.
    static let transient: Set<Int32> = [ENOSPC, EDQUOT, EACCES, EROFS, EINTR, EAGAIN, ENOMEM]

    static func text(_ code: Int32) -> String { "\(String(cString: strerror(code))) (errno \(code))" }

    func run(_ probe: inout FilesystemProbe) -> Outcome {
        let bytes = Array("kac file-system probe\n".utf8)
        let before = Date()
        // 1. Exclusive create, written and fsynced; a second exclusive create of the name must fail.
        let fd = openat(directory.descriptor, "a", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return .failed("cannot create a file: \(Self.text(errno))") }
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0 ? 0 : errno
        close(fd)
        guard written == bytes.count else { return .failed("cannot write a file: \(Self.text(errno))") }
        if synced != 0 {
            return Self.unsupported.contains(synced) ? .missing("fsync (\(Self.text(synced)))") : .failed("fsync: \(Self.text(synced))")
        }
        let again = openat(directory.descriptor, "a", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        if again >= 0 {
            close(again)
            return .missing("exclusive create (O_CREAT|O_EXCL opened a file that exists)")
        }
        // 2. Atomic replace: the helper every record and image goes through (temp, fsync, rename).
        do {
            try directory.write(Array("one\n".utf8), to: "b")
            try directory.write(Array("two\n".utf8), to: "b")
        } catch let error as DiskIOError {
            return Self.unsupported.contains(error.errno)
                ? .missing(Reason("a rename that replaces a file atomically", cause: error, joint: .parentheses))
                : .failed(Reason(cause: error))
        } catch { return .failed(Reason(cause: error)) }
        guard case .bytes(let replaced)? = try? directory.read("b", limit: 64), replaced == Array("two\n".utf8) else {
            return .missing("a rename that replaces a file atomically (the old contents stayed)")
        }
        // 3. The move that never replaces. Onto an existing name it must fail (the kernel answers
        // EEXIST itself when it knows the name, so this says nothing about the file system) ...
        let onto = directory.renameNoReplaceErrno("a", to: directory, as: "b")
        if onto == 0 { return .missing("a rename that never replaces (RENAME_NOREPLACE replaced an existing file)") }
        // ... and to a free name it shows what the file system offers: renameat2 itself, or links.
        let free = directory.renameNoReplaceErrno("a", to: directory, as: "c")
        if free == 0 {
            probe.exclusiveMove = "renameat2"
        } else if Self.unsupported.contains(free) {
            let link = directory.linkErrno("a", to: directory, as: "b")
            if link == 0 { return .missing("an exclusive hard link (link(2) replaced an existing name)") }
            if link != EEXIST {
                return Self.transient.contains(link)
                    ? .failed("link(2): \(Self.text(link))")
                    : .missing(
                        "a move that never replaces another file: renameat2(RENAME_NOREPLACE) fails with \(Self.text(free)) and link(2) with \(Self.text(link))"
                    )
            }
            do {
                guard try directory.moveExclusive("a", to: directory, as: "c") else {
                    return .missing("a move that never replaces: a link to a free name was refused")
                }
            } catch let error as DiskIOError {
                return Self.transient.contains(error.errno)
                    ? .failed(Reason(cause: error))
                    : .missing(
                        "a move that never replaces another file: renameat2(RENAME_NOREPLACE) fails with \(Self.text(free)) and hard links with \(Self.text(error.errno))"
                    )
            } catch { return .failed(Reason(cause: error)) }
            probe.exclusiveMove = "link"
        } else {
            return .failed("renameat2: \(Self.text(free))")
        }
        guard directory.status("a") == nil, case .bytes(let moved)? = try? directory.read("c", limit: 64), moved == bytes else {
            return .missing("a move that never replaces (after the move the source remained or the bytes changed)")
        }
        // 4. Times: the file system's clock against ours, and whether it keeps fractions of a second.
        let after = Date()
        if let info = directory.status("c") {
            let modified = Date(
                timeIntervalSince1970: Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9)
            let middle = before + after.timeIntervalSince(before) / 2
            probe.clockOffset = (modified.timeIntervalSince(middle) * 10).rounded() / 10
            let other = directory.status("b")
            probe.subsecondTimes = info.st_mtim.tv_nsec != 0 || (other?.st_mtim.tv_nsec ?? 0) != 0
        }
        return .passed
    }
}
