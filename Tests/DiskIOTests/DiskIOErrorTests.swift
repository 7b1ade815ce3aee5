import DiskIO
// DiskIOError keeps what failed as values: a caller can tell a missing directory (ENOENT) from a
// path through a regular file (ENOTDIR), a permission problem (EACCES) or a full disk (ENOSPC).
// Real failures are provoked where a test can (tests run as root, so EACCES only runs as a user);
// ENOSPC cannot be provoked portably, so the errno → code table is checked on its own.
import Foundation
import TestSupport
import Testing

@Suite struct DiskIOErrorTests {
    @Test(arguments: [
        (ENOENT, DiskIOError.Code.notFound), (EACCES, .permissionDenied), (EPERM, .permissionDenied),
        (ENOSPC, .noSpace), (EDQUOT, .noSpace), (EEXIST, .fileAlreadyExists), (ENOTEMPTY, .fileAlreadyExists),
        (ENOTDIR, .notDirectory), (EISDIR, .isDirectory), (EROFS, .readOnlyFileSystem),
        (EMFILE, .tooManyOpenFiles), (ENFILE, .tooManyOpenFiles), (EXDEV, .crossDevice),
        (EINVAL, .invalidArgument), (ENAMETOOLONG, .invalidArgument), (ENOSYS, .unsupported),
        (EIO, .ioError), (EBADF, .closed), (ENOMSG, .unknown),
    ])
    func errnoDecidesTheCode(errno: Int32, code: DiskIOError.Code) {
        #expect(DiskIOError.Code(errno: errno) == code)
    }

    @Test func fullDiskSaysWhatFailedAndWhatToDo() {
        let error = DiskIOError(errno: ENOSPC, systemCall: "write", path: "/spool/tmp/a.json", message: "cannot write /spool/tmp/a.json")
        #expect(error.code == .noSpace && error.errno == ENOSPC)
        #expect(
            error.description == "cannot write /spool/tmp/a.json: No space left on device (write, errno 28). "
                + "The disk or the user's quota is full: free space (`df -h`, `quota`) and retry.")
    }

    @Test func eachCodeHasItsOwnAdvice() {
        let advice = DiskIOError.Code.allCases.map(\.advice)
        #expect(Set(advice).count == advice.count)
    }

    @Test func pathThroughARegularFileIsNotDirectory() throws {
        let dir = TemporaryDirectory()
        try Data("plain".utf8).write(to: URL(fileURLWithPath: dir.file("plain")))
        let error = try #require(throws: DiskIOError.self) {
            try AtomicFile.write(Array("x".utf8), to: dir.file("plain/a.txt"))
        }
        #expect(error.code == .notDirectory && error.errno == ENOTDIR && error.systemCall == "open")
        #expect(error.path.contains("/plain/.tmp-a.txt-"))  // the temporary file, next to the destination
    }

    @Test func movesReportTheSourceAndTheCall() throws {
        let dir = TemporaryDirectory()
        let missing = try #require(throws: DiskIOError.self) {
            try AtomicFile.move(dir.file("absent"), to: dir.file("b"))
        }
        #expect(missing.code == .notFound && missing.systemCall == "rename" && missing.path == dir.file("absent"))

        try Data("a".utf8).write(to: URL(fileURLWithPath: dir.file("a")))
        try Data("plain".utf8).write(to: URL(fileURLWithPath: dir.file("plain")))
        let blocked = try #require(throws: DiskIOError.self) {
            try AtomicFile.moveExclusive(dir.file("a"), to: dir.file("plain/a"))
        }
        #expect(blocked.code == .notDirectory && blocked.path == dir.file("a"))
        #expect(blocked.message.contains(dir.file("plain/a")))
    }

    @Test func streamingFileErrorsCarryTheirPath() throws {
        let dir = TemporaryDirectory()
        let missing = try #require(throws: DiskIOError.self) {
            try StreamingFile(directory: dir.file("absent"), prefix: "blob")
        }
        #expect(missing.code == .notFound && missing.path.hasPrefix(dir.file("absent/blob-")))

        try Data("plain".utf8).write(to: URL(fileURLWithPath: dir.file("plain")))
        let file = try StreamingFile(directory: dir.path, prefix: "blob")
        let blocked = try #require(throws: DiskIOError.self) { try file.publish(to: dir.file("plain/blob")) }
        #expect(blocked.code == .notDirectory && blocked.systemCall == "link" && blocked.path == dir.file("plain/blob"))

        let finished = try StreamingFile(directory: dir.path, prefix: "blob")
        try finished.finish()
        let closed = try #require(throws: DiskIOError.self) { try [UInt8(1)].withUnsafeBytes { try finished.append($0) } }
        #expect(closed.code == .closed)
    }

    /// Root may write anywhere, so this only runs as an ordinary user.
    @Test(.enabled(if: geteuid() != 0, "root ignores directory permissions"))
    func readOnlyDirectoryIsPermissionDenied() throws {
        let dir = TemporaryDirectory()
        try FileManager.default.createDirectory(
            atPath: dir.file("locked"), withIntermediateDirectories: false,
            attributes: [.posixPermissions: 0o555])
        defer { chmod(dir.file("locked"), 0o755) }
        let error = try #require(throws: DiskIOError.self) {
            try AtomicFile.write(Array("x".utf8), to: dir.file("locked/a.txt"))
        }
        #expect(error.code == .permissionDenied && error.errno == EACCES)
    }
}
