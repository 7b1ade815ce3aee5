// The renderer writing a spool job's out/<id>/ through the descriptor the claim opened (issue 11):
// symlinks swapped in for out/<id> or out/ between batches are never followed, and the directory
// ends holding exactly the current plan's files — stale images of an earlier job are removed.
// A real kacd shut down while a same-named file waits in new/ requeues its job and says so.
import Foundation
import Generation
import ModelStore
import RenderService
import Spool
import TestSupport
import Testing
import Vocabulary

@Suite struct SpoolOutputTests {
    struct Setup {
        let directory = TemporaryDirectory(prefix: "kac-spool-render")
        let spool: Spool
        let renderer: Renderer
        let scratch: String

        init() throws {
            try TinyModel.publish(into: directory.file("zoo"))
            spool = try Spool(root: directory.file("spool"))
            let store = try ModelStore(root: directory.file("zoo"), create: false)
            renderer = Renderer(model: try ZooVelocityModel.load("fashion-mnist/teacher", from: store), batchSize: 1)
            scratch = directory.file("somewhere")
            try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: false)
        }

        func claim(_ id: String, count: Int = 3) throws -> ClaimedJob {
            try spool.submit(RenderJob(id: id, model: .reference(try ModelReference(parsing: "fashion-mnist/teacher")), count: count))
            return try #require(try spool.claimNext(as: WorkerIdentity.current(id: "test")))
        }

        func plan(count: Int = 3, seed: UInt64 = 1) throws -> RenderPlan {
            try renderer.plan(RenderRequest(count: count, steps: 1, seed: seed))
        }
    }

    /// `kac submit --count 48`, and after the first images `mv out/swap out/swap.real; ln -s SOMEWHERE out/swap`.
    @Test(arguments: ["out/swap", "out"])
    func symlinkSwappedInMidRenderIsNeverFollowed(swapped: String) throws {
        let setup = try Setup()
        let claim = try setup.claim("swap")
        let output = try #require(claim.output)
        let root = setup.spool.root
        var swappedYet = false
        let control = RenderControl(afterBatch: { completed, _ in
            guard completed == 1, !swappedYet else { return }
            swappedYet = true
            #expect(rename(root + "/" + swapped, root + "/" + swapped + ".real") == 0)
            #expect(symlink(setup.scratch, root + "/" + swapped) == 0)
        })
        let report = try setup.renderer.render(try setup.plan(), to: output, control: control)
        try setup.spool.writeResult(["images": report.images.count], for: claim)
        #expect(swappedYet && report.rendered == 3)
        #expect(names(in: setup.scratch).isEmpty, "written through the symlink: \(names(in: setup.scratch))")
        let real = swapped == "out" ? root + "/out.real/swap" : root + "/out/swap.real"
        #expect(names(in: real).filter { !$0.hasPrefix(".") } == report.images.map(\.file) + ["result.json"])
    }

    /// An earlier job's images in out/<id>/ (another plan) are removed, not kept beside the new ones.
    @Test func staleFilesOfAnotherPlanAreRemoved() throws {
        let setup = try Setup()
        let claim = try setup.claim("dup")
        let output = try #require(claim.output)
        let out = setup.spool.root + "/out/dup"
        _ = try setup.renderer.render(try setup.plan(count: 4, seed: 9), to: output)
        try Data("old".utf8).write(to: URL(fileURLWithPath: out + "/result.json"))
        try Data("x".utf8).write(to: URL(fileURLWithPath: out + "/.tmp-0003-dress.png-1-2"))
        #expect(symlink("/etc/passwd", out + "/planted.png") == 0)
        let report = try setup.renderer.render(try setup.plan(count: 2, seed: 1), to: output)
        #expect(report.rendered == 2 && report.images.allSatisfy { !$0.reused })
        #expect(names(in: out) == [".kac-render"] + report.images.map(\.file), "\(names(in: out))")
        // The same plan again keeps its files (resume) and still removes anything foreign.
        try Data("x".utf8).write(to: URL(fileURLWithPath: out + "/9999-bag.png"))
        let again = try setup.renderer.render(try setup.plan(count: 2, seed: 1), to: output)
        #expect(again.rendered == 0 && names(in: out) == [".kac-render"] + report.images.map(\.file))
    }

    /// `kac render --out DIR` keeps the user's other files.
    @Test func aUsersDirectoryKeepsFilesOutsideThePlan() throws {
        let setup = try Setup()
        let out = setup.directory.file("mine")
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: false)
        try Data("notes".utf8).write(to: URL(fileURLWithPath: out + "/notes.txt"))
        _ = try setup.renderer.render(try setup.plan(count: 1), into: out)
        #expect(names(in: out).contains("notes.txt"))
    }
}

@Suite(.serialized) struct DaemonShutdownTests {
    /// Issue 11.3: SIGTERM while a job runs and a file of the same name waits in new/.
    @Test func sigtermWithASameNamedFileQueuedRequeuesTheRunningJob() throws {
        let fixture = try DaemonFixture()
        let spool = fixture.spool
        let daemon = try fixture.start(["--batch-size", "2"])
        let slow = #"{"schema": 1, "model": "fashion-mnist/teacher", "count": 64, "steps": 60}"#
        try drop(slow, id: "slow", spool: spool)
        #expect(waitUntil(timeout: 30) { FileManager.default.fileExists(atPath: spool + "/work/slow.progress.json") })
        try drop(#"{"schema": 1, "model": "fashion-mnist/teacher", "count": 1, "steps": 1}"#, id: "slow", spool: spool)
        daemon.signal(SIGTERM)
        let finished = daemon.wait()
        #expect(finished.status == 0, "\(finished.error)")
        #expect(bytes(spool + "/new/slow.json") == Array(slow.utf8), "new/slow.json is not the running job")
        #expect(names(in: spool + "/work").isEmpty, "left behind in work/: \(names(in: spool + "/work"))")
        #expect(names(in: spool + "/attempts").isEmpty, "left behind in attempts/: \(names(in: spool + "/attempts"))")
        #expect(!fixture.failedJobs().contains("slow.json"))
        let setAside = fixture.failedJobs().filter { $0.hasPrefix("slow.dup-") }
        #expect(setAside.count == 1, "\(fixture.failedJobs())")
        #expect(finished.error.contains("requeued") && finished.error.contains("set aside as failed/slow.dup-"), "\(finished.error)")
        #expect(!finished.error.contains("failed [duplicate-id]: could not requeue"))
    }
}
