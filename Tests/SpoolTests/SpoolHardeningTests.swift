// The spool as an attacker in the spool's group and a clumsy operator would try it: symlinks
// swapped in for out/<id> and out/ mid-job, a job id repeated after the first job finished, a
// same-named file queued while the job runs and the worker shuts down, and leftovers of crashed
// writers. Each test failed before the fix it names.
import Foundation
import Spool
import TestSupport
import Testing

@Suite struct SpoolHardeningTests {
    func claimed(_ fixture: SpoolFixture, id: String = "swap") throws -> ClaimedJob {
        try fixture.spool.submit(RenderJob(id: id, model: .quality(.fastest), count: 3))
        return try #require(try fixture.spool.claimNext(as: fixture.worker))
    }

    func file(_ path: String) -> [UInt8] { FileManager.default.contents(atPath: path).map { Array($0) } ?? [] }

    /// Issue 11.1: out/<id> swapped for a symlink mid-job; the rest of the job must land in the
    /// directory that was claimed, and the link's target must stay empty.
    @Test func symlinkSwappedForTheOutputDirectoryMidJobIsNeverFollowed() throws {
        let fixture = try SpoolFixture()
        let scratch = fixture.directory.file("somewhere")
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: false)
        let claim = try claimed(fixture)
        try fixture.spool.writeOutput(Array("one".utf8), name: "0000.png", for: claim)
        let out = fixture.root + "/out/swap"
        #expect(rename(out, out + ".real") == 0 && symlink(scratch, out) == 0)
        try fixture.spool.writeOutput(Array("two".utf8), name: "0001.png", for: claim)
        try fixture.spool.writeResult(["images": 2], for: claim)
        try fixture.spool.finish(claim, outcome: .completed)
        #expect(names(in: scratch).isEmpty, "written through the symlink: \(names(in: scratch))")
        #expect(names(in: out + ".real") == ["0000.png", "0001.png", "result.json"])
    }

    /// Issue 11.1: out/ itself replaced by a symlink while a job runs: nothing reaches the target,
    /// and the next claim refuses with a sentence naming the replaced directory.
    @Test func symlinkSwappedForOutIsNeverFollowedAndStopsClaims() throws {
        let fixture = try SpoolFixture()
        let scratch = fixture.directory.file("somewhere")
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: false)
        let claim = try claimed(fixture)
        try fixture.spool.writeOutput(Array("one".utf8), name: "0000.png", for: claim)
        #expect(rename(fixture.root + "/out", fixture.root + "/out.real") == 0 && symlink(scratch, fixture.root + "/out") == 0)
        try fixture.spool.writeOutput(Array("two".utf8), name: "0001.png", for: claim)
        try fixture.spool.finish(claim, outcome: .completed)
        try fixture.spool.submit(RenderJob(id: "next", model: .quality(.fastest)))
        let error = try #require(throws: SpoolError.self) { try fixture.spool.claimNext(as: fixture.worker) }
        #expect(error.description.contains("/out/ was replaced") && error.description.contains("now a symbolic link"), "\(error)")
        #expect(names(in: scratch).isEmpty, "written through the symlink: \(names(in: scratch))")
        #expect(names(in: fixture.root + "/out.real/swap") == ["0000.png", "0001.png"])
    }

    /// workers/ is opened like every subdirectory: a symlink in its place is refused, never
    /// written through, and replacing it after it was opened stops claims.
    @Test func workersDirectoryIsNeverFollowedThroughALink() throws {
        let fixture = try SpoolFixture()
        let scratch = fixture.directory.file("somewhere")
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: false)
        let record = WorkerRecord(
            worker: fixture.worker, startedAt: fixture.clock.now, heartbeatAt: fixture.clock.now, heartbeatInterval: 2,
            limits: .default)
        #expect(symlink(scratch, fixture.root + "/workers") == 0)
        #expect(throws: SpoolError.self) { try fixture.spool.announce(record) }
        #expect(fixture.spool.workers().isEmpty && names(in: scratch).isEmpty, "written through the symlink: \(names(in: scratch))")

        #expect(unlink(fixture.root + "/workers") == 0)
        try fixture.spool.announce(record)
        #expect(fixture.spool.workers().map(\.record.worker.id) == [fixture.worker.id])
        #expect(rename(fixture.root + "/workers", fixture.root + "/workers.real") == 0 && symlink(scratch, fixture.root + "/workers") == 0)
        try fixture.spool.announce(record)  // lands in the directory that was opened
        #expect(names(in: scratch).isEmpty && names(in: fixture.root + "/workers.real").count == 1)
        try fixture.spool.submit(RenderJob(id: "next", model: .quality(.fastest)))
        let error = try #require(throws: SpoolError.self) { try fixture.spool.claimNext(as: fixture.worker) }
        #expect(error.description.contains("/workers/ was replaced"), "\(error)")
    }

    /// Retention removes out/<id>/ through descriptors: a symlink where out/<id> (or a directory
    /// inside it) belongs is unlinked, and what it points at is untouched.
    @Test func pruneNeverFollowsLinksInOutputs() throws {
        let fixture = try SpoolFixture()
        let scratch = fixture.directory.file("somewhere")
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: false)
        #expect(FileManager.default.createFile(atPath: scratch + "/precious", contents: Data("keep".utf8)))
        for id in ["linked", "nested"] {
            let claim = try claimed(fixture, id: id)
            try fixture.spool.writeOutput(Array("png".utf8), name: "0000.png", for: claim)
            try fixture.spool.finish(claim, outcome: .completed)
        }
        let linked = fixture.root + "/out/linked"
        #expect(rename(linked, linked + ".gone") == 0 && symlink(scratch, linked) == 0)
        #expect(symlink(scratch, fixture.root + "/out/nested/inner") == 0)
        fixture.clock.advance(86_400)
        let report = try fixture.spool.prune(RetentionPolicy(keepLatest: 0))
        #expect(Set(report.removed.map(\.jobID)) == ["linked", "nested"])
        #expect(names(in: scratch) == ["precious"], "removed through a link: \(names(in: scratch))")
        #expect(!fixture.names("out").contains("linked") && !fixture.names("out").contains("nested"))
    }

    /// A symlink planted at out/<id> before the claim: the job fails with a reason, the target is untouched.
    @Test func symlinkPlantedAtTheOutputDirectoryFailsTheJob() throws {
        let fixture = try SpoolFixture()
        let scratch = fixture.directory.file("somewhere")
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: false)
        #expect(symlink(scratch, fixture.root + "/out/planted") == 0)
        try fixture.spool.submit(RenderJob(id: "planted", model: .quality(.fastest)))
        #expect(try fixture.spool.claimNext(as: fixture.worker) == nil)
        let failure = try fixture.failure("planted")
        #expect(failure["code"] as? String == "output-unavailable" && (failure["reason"] as? String)?.contains("symbolic link") == true)
        #expect(names(in: scratch).isEmpty)
    }

    /// Issue 11.2: a later file with the id of a finished job never touches its record or outputs;
    /// it is set aside in failed/ as duplicate-id under a name that cannot collide.
    @Test(arguments: [true, false])
    func repeatedIDOfAFinishedJobIsSetAsideAndTouchesNothing(firstSucceeded: Bool) throws {
        let fixture = try SpoolFixture()
        let spool = fixture.spool
        try spool.submit(RenderJob(id: "dup", model: .quality(.fastest), count: 4, labels: [.name("bag")]))
        let first = try #require(try spool.claimNext(as: fixture.worker))
        try spool.writeOutput(Array("bag".utf8), name: "0000-bag.png", for: first)
        if firstSucceeded {
            try spool.writeResult(["images": 1], for: first)
            try spool.finish(first, outcome: .completed)
        } else {
            try spool.finish(
                first, outcome: .failed(JobFailure(jobID: "dup", code: .renderError, reason: "boom", failedAt: fixture.clock.now)))
        }
        let record = firstSucceeded ? fixture.root + "/done/dup.json" : fixture.root + "/failed/dup.json"
        let recordBytes = file(record)
        let errorBytes = file(fixture.root + "/failed/dup.error.json")
        let outputsBefore = names(in: fixture.root + "/out/dup")

        try fixture.drop(job(#""model": "fashion-mnist/teacher", "count": 2"#), as: "dup.json")
        #expect(try spool.claimNext(as: fixture.worker) == nil, "the later file was claimed")
        #expect(file(record) == recordBytes && file(fixture.root + "/failed/dup.error.json") == errorBytes)
        #expect(names(in: fixture.root + "/out/dup") == outputsBefore)
        #expect(fixture.names("done") == (firstSucceeded ? ["dup.json"] : []))
        let setAside = fixture.names("failed").filter { $0.hasPrefix("dup.dup-") && !$0.hasSuffix(".error.json") }
        #expect(setAside.count == 1, "\(fixture.names("failed"))")
        let id = String(try #require(setAside.first).dropLast(5))
        let failure = try fixture.failure(id)
        #expect(failure["code"] as? String == "duplicate-id" && failure["originalName"] as? String == "work/dup.json")
        #expect((failure["reason"] as? String)?.contains("submit this job under another id") == true)
        #expect(fixture.names("new").isEmpty && fixture.names("work").isEmpty && fixture.names("attempts").isEmpty)
        // One state per id: the earlier job is in exactly one state.
        #expect(spool.state(ofJob: "dup") == (firstSucceeded ? .done : .failed))
    }

    /// Duplicate names stay valid ids (at most 64 bytes) whatever the original id's length.
    @Test func duplicateNamesOfLongIDsAreValid() throws {
        let fixture = try SpoolFixture()
        let long = String(repeating: "a", count: 64)
        try fixture.spool.submit(RenderJob(id: long, model: .quality(.fastest)))
        let claim = try #require(try fixture.spool.claimNext(as: fixture.worker))
        try fixture.spool.finish(claim, outcome: .completed)
        try fixture.drop(job(#""quality": "best""#), as: long + ".json")
        #expect(try fixture.spool.claimNext(as: fixture.worker) == nil)
        let setAside = fixture.names("failed").filter { !$0.hasSuffix(".error.json") }
        #expect(setAside.count == 1 && JobID.isValid(String(setAside[0].dropLast(5))), "\(setAside)")
        #expect(try fixture.spool.status().counts[.failed] == 1)
    }

    /// Issue 11.3: shutdown while a same-named file sits in new/: the running job is requeued under
    /// its id, the newcomer is set aside, no lease/progress/attempts file stays, and the outcome
    /// returned (what the daemon logs) says what was done.
    @Test func requeueWithASameNamedFileQueuedSetsTheNewcomerAside() throws {
        let fixture = try SpoolFixture()
        let spool = fixture.spool
        let claim = try claimed(fixture, id: "busy")
        let original = file(fixture.root + "/work/busy.json")
        try spool.reportProgress(claim, completed: 1, total: 3)
        try fixture.drop(job(#""quality": "best", "count": 1"#), as: "busy.json")
        let carried = try spool.finish(claim, outcome: .requeued(reason: "worker test-worker shut down"))
        guard case .requeued(let reason) = carried else {
            Issue.record("carried out \(carried) instead of a requeue")
            return
        }
        #expect(reason.description.contains("set aside as failed/busy.dup-"), "\(reason)")
        #expect(file(fixture.root + "/new/busy.json") == original, "new/busy.json is not the running job")
        #expect(fixture.names("work").isEmpty, "left in work/: \(fixture.names("work"))")
        #expect(fixture.names("attempts").isEmpty, "a requeue by shutdown counts no attempt")
        let setAside = fixture.names("failed").filter { $0.hasPrefix("busy.dup-") && !$0.hasSuffix(".error.json") }
        #expect(setAside.count == 1)
        #expect(!fixture.names("failed").contains("busy.json"))
        // The requeued job is claimable again as itself.
        let again = try #require(try spool.claimNext(as: fixture.worker))
        #expect(again.id == "busy" && again.attempt == 1 && again.job.count == 3)
    }

    /// Recovery of a dead worker's job meets the same conflict and resolves it the same way.
    @Test func recoveryWithASameNamedFileQueuedSetsTheNewcomerAside() throws {
        let fixture = try SpoolFixture()
        let claim = try claimed(fixture, id: "crashed")
        _ = claim
        try fixture.drop(job(#""quality": "best", "count": 1"#), as: "crashed.json")
        fixture.clock.advance(fixture.spool.configuration.leaseTimeout + 1)
        let actions = try fixture.spool.recoverAbandonedJobs(host: "test-host")
        #expect(actions.count == 1 && actions.first?.jobID == "crashed")
        #expect(fixture.names("work").isEmpty && fixture.names("new") == ["crashed.json"])
        #expect(fixture.names("failed").filter { $0.hasPrefix("crashed.dup-") }.count == 2)  // job + error
        #expect(try #require(try fixture.spool.claimNext(as: fixture.worker)).job.count == 3)
    }

    /// Issue 11.4: leftovers of crashed writers are counted by status and swept after their grace
    /// periods; young ones and a queued job's attempts count are kept.
    @Test func sweepRemovesLeftoversPastTheirGracePeriods() throws {
        let fixture = try SpoolFixture()
        let spool = fixture.spool
        let policy = spool.configuration.sweep
        let old = fixture.clock.now - policy.temporaryGrace - 1
        // A finished job whose worker died before removing attempts/ and an out/ temporary.
        try spool.submit(RenderJob(id: "finished", model: .quality(.fastest)))
        let finished = try #require(try spool.claimNext(as: fixture.worker))
        try spool.finish(finished, outcome: .completed)
        let leftovers = [
            "out/finished/.tmp-0000.png-123-456", "work/.tmp-x.lease.json-1-2", "failed/.tmp-y.error.json-1-2",
            "attempts/finished", "cancel/finished",
        ]
        for path in leftovers {
            try Data("x".utf8).write(to: URL(fileURLWithPath: fixture.root + "/" + path))
            try fixture.setModified(fixture.root + "/" + path, old)
        }
        try Data("young".utf8).write(to: URL(fileURLWithPath: fixture.root + "/work/.tmp-z.lease.json-3-4"))
        try fixture.setModified(fixture.root + "/work/.tmp-z.lease.json-3-4", fixture.clock.now)
        // A killed `kac submit`: one file past maildir's 36 hours, one an hour old.
        for (name, age) in [(".tmp-a.json-9-9", policy.producerGrace + 1), ("b.json", 3600.0)] {
            try Data("{".utf8).write(to: URL(fileURLWithPath: fixture.root + "/tmp/" + name))
            try fixture.setModified(fixture.root + "/tmp/" + name, fixture.clock.now - age)
        }
        // A requeued job's attempts count is not a leftover, however old.
        try spool.submit(RenderJob(id: "queued", model: .quality(.fastest)))
        try Data("1\n".utf8).write(to: URL(fileURLWithPath: fixture.root + "/attempts/queued"))
        try fixture.setModified(fixture.root + "/attempts/queued", old)

        let status = try spool.status()
        #expect(status.leftovers.temporaryFiles == 3 && status.leftovers.outputTemporaryFiles == 1)
        #expect(status.leftovers.producerFiles == 2 && status.leftovers.orphanedMarkers == 2)
        #expect(status.leftoversDue.total == 6, "\(status.leftoversDue)")
        let removed = spool.sweep()
        #expect(removed.temporaryFiles == 2 && removed.outputTemporaryFiles == 1 && removed.producerFiles == 1)
        #expect(removed.orphanedMarkers == 2)
        #expect(fixture.names("work") == [".tmp-z.lease.json-3-4"] && fixture.names("tmp") == ["b.json"])
        #expect(fixture.names("attempts") == ["queued"] && fixture.names("cancel").isEmpty)
        #expect(fixture.names("out/finished").isEmpty && fixture.names("failed").isEmpty)
        #expect(spool.sweep().total == 0)
    }

    /// Issue 11.4: finishing a job removes temporaries an interrupted earlier attempt left in out/<id>/.
    @Test func finishRemovesTemporariesOfEarlierAttempts() throws {
        let fixture = try SpoolFixture()
        let claim = try claimed(fixture, id: "resumed")
        try Data(count: 26_000).write(to: URL(fileURLWithPath: fixture.root + "/out/resumed/.tmp-0001.png-77-88"))
        try fixture.spool.writeOutput(Array("img".utf8), name: "0000.png", for: claim)
        try fixture.spool.finish(claim, outcome: .completed)
        #expect(fixture.names("out/resumed") == ["0000.png"])
    }
}

func names(in directory: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
}
