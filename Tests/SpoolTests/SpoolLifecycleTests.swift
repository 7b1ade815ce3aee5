// The spool end to end without rendering: submit → claim → progress → complete; bad and hostile
// entries in `new/`; partial copies; ordering; cancel. Nothing may appear outside the spool root.
import Foundation
import Spool
import Testing

@Suite struct SpoolLifecycleTests {
    @Test func submitClaimCompleteDone() throws {
        let fixture = try SpoolFixture()
        let spool = fixture.spool
        let id = try spool.submit(RenderJob(id: "shoes", model: .quality(.fastest), count: 2, labels: [.index(7)]))
        #expect(id == "shoes")
        #expect(fixture.names("new") == ["shoes.json"] && fixture.names("tmp").isEmpty)
        #expect(throws: SpoolError.self) { try spool.submit(RenderJob(id: "shoes", model: .quality(.best))) }

        var claim = try #require(try spool.claimNext(as: fixture.worker))
        #expect(claim.id == "shoes" && claim.attempt == 1 && claim.job.labels == [.index(7)])
        #expect(try spool.claimNext(as: fixture.worker) == nil)
        #expect(fixture.names("work") == ["shoes.json", "shoes.lease.json"])
        try spool.writeOutput(Array("img".utf8), name: "0000.png", for: claim)
        fixture.clock.advance(10)
        try spool.heartbeat(&claim)
        let progress = try spool.reportProgress(claim, completed: 1, total: 2)
        #expect(progress.etaSeconds == 10)
        let status = try spool.status()
        #expect(status.counts[.work] == 1 && status.running.first?.progress?.completed == 1)
        #expect(status.text().contains("shoes worker=test-worker attempt=1 heartbeat 0s ago 1/2 eta=10s"))
        try spool.writeOutput(Array("img".utf8), name: "0001.png", for: claim)
        try spool.writeResult(["images": 2], for: claim)
        try spool.finish(claim, outcome: .completed)
        #expect(fixture.names("done") == ["shoes.json"] && fixture.names("work").isEmpty && fixture.names("attempts").isEmpty)
        #expect(try spool.completedOutputs(jobID: "shoes") == ["0000.png", "0001.png"])
        #expect(fixture.names("out/shoes") == ["0000.png", "0001.png", "result.json"])
        #expect(throws: SpoolError.self) { try spool.finish(claim, outcome: .completed) }  // not ours any more
        #expect(throws: SpoolError.self) { try spool.outputPath(claim, name: "../escape.png") }
    }

    @Test func submitGeneratesIDsAndChecksLimits() throws {
        let fixture = try SpoolFixture(configuration: SpoolConfiguration(limits: SpoolLimits(maximumCount: 4)))
        let id = try fixture.spool.submit(fileBytes: job(#""quality": "best", "count": 2"#))
        #expect(JobID.isValid(id) && fixture.names("new") == ["\(id).json"])
        #expect(throws: JobValidationError.self) { try fixture.spool.submit(fileBytes: job(#""quality": "best", "count": 5"#)) }
    }

    @Test func hostileAndMalformedEntriesFailWithReasonsAndNothingEscapes() throws {
        let fixture = try SpoolFixture()
        let outside = fixture.directory.path + "/outside.json"
        try Data(job(#""quality": "best""#)).write(to: URL(fileURLWithPath: outside))
        let before = fixture.allPaths()
        try fixture.drop(job(#""id": "../../escape", "quality": "best""#), as: "traversal.json", age: 60)
        try FileManager.default.createSymbolicLink(atPath: fixture.root + "/new/link.json", withDestinationPath: outside)
        #expect(mkfifo(fixture.root + "/new/pipe.json", 0o644) == 0)
        try fixture.drop((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 2654435761) }, as: "garbage.json", age: 60)
        try fixture.drop(Array(repeating: "[", count: 5000).joined(), as: "deep.json", age: 60)
        try fixture.drop(String(repeating: " ", count: 70_000) + "{}", as: "huge.json", age: 60)
        try fixture.drop(#"{"schema": 1}"#, as: "bad name!.json", age: 60)
        try fixture.drop("x", as: ".hidden.json", age: 60)
        try fixture.drop("x", as: "notes.txt", age: 60)
        try FileManager.default.createDirectory(atPath: fixture.root + "/new/subdir.json", withIntermediateDirectories: false)

        #expect(try fixture.spool.claimNext(as: fixture.worker) == nil)
        for id in ["traversal", "garbage", "deep", "huge"] {
            #expect(fixture.names("failed").contains("\(id).json"), "\(id)")
        }
        #expect(try fixture.failure("traversal")["field"] as? String == "id")
        #expect(try fixture.failure("garbage")["validationCode"] as? String == "not-utf8")
        #expect(try fixture.failure("deep")["validationCode"] as? String == "too-deep")
        #expect(try fixture.failure("huge")["validationCode"] as? String == "too-large")
        let rejected = try fixture.spool.status(recentFailureLimit: 100).recentFailures.filter { $0.jobID.hasPrefix("rejected-") }
        #expect(rejected.map(\.code).sorted() == ["bad-file-name", "not-a-regular-file", "not-a-regular-file"])
        #expect(rejected.contains { $0.reason.contains("symbolic link") } && rejected.contains { $0.reason.contains("FIFO") })
        #expect(fixture.names("new") == [".hidden.json", "notes.txt", "subdir.json"])
        #expect(try fixture.spool.status().ignored == [".hidden.json", "notes.txt", "subdir.json"])
        // The symlink target is untouched and nothing was created outside the spool.
        #expect(try Data(contentsOf: URL(fileURLWithPath: outside)) == Data(job(#""quality": "best""#)))
        #expect(fixture.allPaths().subtracting(before).allSatisfy { $0.hasPrefix("spool/") })
        #expect(!fixture.names("out").contains { $0.contains("escape") })
    }

    @Test func partialCopyIsNeverClaimedEarly() throws {
        let fixture = try SpoolFixture()
        let full = job(#""quality": "best", "count": 3, "labels": ["bag"]"#)
        for cut in [1, full.count / 2, full.count - 2] {
            try fixture.drop(Array(full.prefix(cut)), as: "copy.json")
            #expect(try fixture.spool.claimNext(as: fixture.worker) == nil, "cut \(cut)")
            #expect(fixture.names("new") == ["copy.json"] && fixture.names("failed").isEmpty)
        }
        fixture.clock.advance(4)  // still inside the settle period: a cp may be slow
        #expect(try fixture.spool.claimNext(as: fixture.worker) == nil && fixture.names("failed").isEmpty)
        try fixture.drop(full, as: "copy.json")  // the copy finishes: valid, claimable at once
        #expect(try fixture.spool.claimNext(as: fixture.worker)?.id == "copy")
    }

    @Test func truncatedFileFailsOnceSettled() throws {
        let fixture = try SpoolFixture()
        try fixture.drop(#"{"schema": 1, "quality": "be"#, as: "cut.json")
        #expect(try fixture.spool.claimNext(as: fixture.worker) == nil && fixture.names("failed").isEmpty)
        fixture.clock.advance(6)
        #expect(try fixture.spool.claimNext(as: fixture.worker) == nil)
        #expect(fixture.names("failed") == ["cut.error.json", "cut.json"])
        #expect((try fixture.failure("cut")["reason"] as? String)?.contains("truncated") == true)
    }

    @Test func priorityThenAgeThenName() throws {
        let fixture = try SpoolFixture()
        try fixture.drop(job(#""quality": "best""#), as: "c-old.json", age: 30)
        try fixture.drop(job(#""quality": "best""#), as: "b-new.json", age: 10)
        try fixture.drop(job(#""quality": "best""#), as: "a-new.json", age: 10)
        try fixture.drop(job(#""quality": "best", "priority": 5"#), as: "z-urgent.json", age: 1)
        try fixture.drop(job(#""quality": "best", "priority": -1"#), as: "0-lazy.json", age: 100)
        var order: [String] = []
        while let claim = try fixture.spool.claimNext(as: fixture.worker) {
            order.append(claim.id)
            try fixture.spool.finish(claim, outcome: .completed)
        }
        #expect(order == ["z-urgent", "c-old", "a-new", "b-new", "0-lazy"])
    }

    @Test func cancelQueuedAndRunning() throws {
        let fixture = try SpoolFixture()
        let spool = fixture.spool
        try spool.submit(RenderJob(id: "queued", model: .quality(.best)))
        #expect(try spool.cancel(jobID: "queued") == .cancelledQueued)
        #expect(try fixture.failure("queued")["reason"] as? String == "cancelled")

        try spool.submit(RenderJob(id: "running", model: .quality(.best), count: 5))
        let claim = try #require(try spool.claimNext(as: fixture.worker))
        #expect(!spool.isCancelRequested(jobID: "running"))
        #expect(try spool.cancel(jobID: "running") == .requestedRunning)
        #expect(spool.isCancelRequested(jobID: "running"))
        #expect(try spool.status().running.first?.cancelRequested == true)
        let outcome = JobOutcome.decide(
            jobID: claim.id, rendered: .failure(CancellationError()), cancelRequested: true,
            shuttingDown: false, attempt: 1, worker: "w", at: fixture.clock.now)
        #expect(outcome == .cancelled)
        try spool.finish(claim, outcome: outcome)
        #expect(try fixture.failure("running")["code"] as? String == "cancelled")
        #expect(fixture.names("cancel").isEmpty)
        #expect(throws: SpoolError.self) { try spool.cancel(jobID: "running") }
        #expect(throws: SpoolError.self) { try spool.cancel(jobID: "nobody") }
        #expect(throws: SpoolError.self) { try spool.cancel(jobID: "../x") }
    }

    @Test func renderErrorsAndShutdownDecideTheOutcome() throws {
        struct Boom: Error {}
        let now = Date()
        func decide(_ result: Result<Void, any Error>, cancel: Bool = false, stop: Bool = false) -> JobOutcome {
            JobOutcome.decide(jobID: "j", rendered: result, cancelRequested: cancel, shuttingDown: stop, attempt: 2, worker: "w", at: now)
        }
        #expect(decide(.success(()), cancel: true) == .completed)
        #expect(decide(.failure(Boom()), stop: true) == .requeued(reason: "worker w shut down"))
        guard case .failed(let failure) = decide(.failure(Boom())) else { Issue.record("not failed"); return }
        #expect(failure.code == .renderError && failure.attempts == 2)
    }

    /// A render error reaches the record as its own words, made safe for a terminal and cut there.
    @Test func aRenderErrorIsWordedOnlyInTheRecord() throws {
        struct Loud: Error, CustomStringConvertible {
            let description: String
        }
        func record(_ error: any Error) -> JobFailure? {
            let outcome = JobOutcome.decide(
                jobID: "j", rendered: .failure(error), cancelRequested: false, shuttingDown: false, attempt: 1, worker: "w", at: Date())
            guard case .failed(let failure) = outcome else { return nil }
            return failure
        }
        #expect(record(Loud(description: "the disk\nsaid \u{1B}[2Jno"))?.reason == "the disk\\u{A}said \\u{1B}[2Jno")
        let long = try #require(record(Loud(description: String(repeating: "x", count: 3000)))?.reason)
        #expect(long.count == JobFailure.reasonLimit + 1 && long.hasSuffix("…"))
    }
}
