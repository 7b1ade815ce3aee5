// A caller can tell why a spool write failed: `SpoolError.io` keeps the `DiskIOError` with its
// code and errno. ENOENT is provoked by breaking `out/<id>/` under a claimed job, ENOTDIR by a file
// in the spool's path; EACCES needs a non-root user; a full disk cannot be provoked here (see DiskIOErrorTests).
import DiskIO
import Foundation
import Spool
import Testing
import Vocabulary

@Suite struct SpoolErrorTests {
    /// A spool with one claimed job.
    func claimed() throws -> (SpoolFixture, ClaimedJob) {
        let fixture = try SpoolFixture()
        try fixture.spool.submit(RenderJob(id: "shoes", model: .quality(.fastest)))
        return (fixture, try #require(try fixture.spool.claimNext(as: fixture.worker)))
    }

    @Test func missingOutputDirectoryIsNotFound() throws {
        let (fixture, claim) = try claimed()
        try FileManager.default.removeItem(atPath: claim.outputDirectory)
        let error = try #require(throws: SpoolError.self) { try fixture.spool.writeOutput([1], name: "0000.png", for: claim) }
        let cause = try #require(error.diskIOError)
        #expect(cause.code == .notFound && cause.errno == ENOENT && cause.systemCall == "openat")
        #expect(cause.path.contains("/out/shoes/.tmp-0000.png-"))  // the temporary file, next to the output
        #expect(error.description.contains(claim.outputDirectory) && error.description.contains("No such file or directory"))
    }

    /// Writes go through the descriptor opened at the claim: a file put in place of the deleted
    /// directory is never written into or through; the write fails as the directory being gone.
    @Test func outputDirectoryReplacedByAFileIsNotFound() throws {
        let (fixture, claim) = try claimed()
        try FileManager.default.removeItem(atPath: claim.outputDirectory)
        try Data("in the way".utf8).write(to: URL(fileURLWithPath: claim.outputDirectory))
        let error = try #require(throws: SpoolError.self) { try fixture.spool.writeResult(["images": 1], for: claim) }
        #expect(error.diskIOError?.code == .notFound && error.diskIOError?.errno == ENOENT)
        #expect(FileManager.default.contents(atPath: claim.outputDirectory) == Data("in the way".utf8))
    }

    /// A spool whose out/ an operator replaced with a symlink (images on another disk) is refused
    /// at opening, and the advice is to make it a directory again, not to create the spool.
    @Test func aSymlinkedSubdirectoryIsRefusedWithAdviceThatFitsIt() throws {
        let fixture = try SpoolFixture()
        let elsewhere = fixture.directory.file("elsewhere")
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: false)
        try FileManager.default.removeItem(atPath: fixture.root + "/out")
        #expect(symlink(elsewhere, fixture.root + "/out") == 0)
        for create in [false, true] {
            let error = try #require(throws: SpoolError.self) { try Spool(root: fixture.root, create: create) }
            #expect(error.description.contains("out/ is a symbolic link, not a directory"), "\(error)")
            #expect(error.description.contains("make \(fixture.root)/out a real directory again"), "\(error)")
            #expect(!error.description.contains("or create it"), "\(error)")
        }
        #expect(names(in: elsewhere).isEmpty)
    }

    @Test func spoolUnderARegularFileIsNotDirectory() throws {
        let fixture = try SpoolFixture()
        let blocker = fixture.directory.path + "/blocker"
        try Data("file".utf8).write(to: URL(fileURLWithPath: blocker))
        let error = try #require(throws: SpoolError.self) { try Spool(root: blocker + "/spool") }
        guard case .io(let cause) = error else { Issue.record("got \(error)"); return }
        #expect(cause.code == .notDirectory && cause.systemCall == "mkdir" && cause.path == blocker + "/spool")
    }

    @Test func unencodableResultKeepsTheEncodingErrorAndWritesNothing() throws {
        let (fixture, claim) = try claimed()
        let error = try #require(throws: SpoolError.self) { try fixture.spool.writeResult(["fid": Double.nan], for: claim) }
        guard case .unencodable(let path, let cause) = error else { Issue.record("got \(error)"); return }
        #expect(path == claim.outputDirectory + "/result.json" && cause is EncodingError)
        #expect(fixture.names("out/shoes").isEmpty)
    }

    /// Root may write anywhere, so this only runs as an ordinary user.
    @Test(.enabled(if: geteuid() != 0, "root ignores directory permissions"))
    func readOnlyQueueIsPermissionDenied() throws {
        let fixture = try SpoolFixture()
        #expect(chmod(fixture.root + "/tmp", 0o555) == 0)
        defer { chmod(fixture.root + "/tmp", 0o775) }
        let error = try #require(throws: SpoolError.self) { try fixture.spool.submit(RenderJob(id: "shoes", model: .quality(.fastest))) }
        #expect(error.diskIOError?.code == .permissionDenied && error.diskIOError?.errno == EACCES)
    }

    /// The status `kac` exits with is the error's own: a failed system call by its code (the user
    /// refused 77, a missing file 66, the rest 74), a missing job 66, a taken id 73, a lost lease 75.
    @Test func eachErrorStatesItsExitStatus() {
        func disk(_ code: Int32) -> SpoolError { .io(DiskIOError(errno: code, systemCall: "openat", path: "/s", message: "cannot open")) }
        #expect(disk(EACCES).exitStatus == .noPermission && disk(EROFS).exitStatus == .noPermission)
        #expect(disk(ENOENT).exitStatus == .noInput && disk(ENOSPC).exitStatus == .ioError)
        #expect(SpoolError.jobNotFound("a").exitStatus == .noInput)
        #expect(SpoolError.duplicateJobID("a", state: .new).exitStatus == .cannotCreate)
        #expect(SpoolError.leaseLost(jobID: "a", detail: "expired").exitStatus == .temporaryFailure)
        #expect(SpoolError.invalidJobID("../a").exitStatus == .usage)
        #expect(JobValidationError(.malformedJSON, field: nil, "not JSON").exitStatus == .dataError)
    }
}
