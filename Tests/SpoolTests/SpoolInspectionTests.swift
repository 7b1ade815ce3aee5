// What `kac status` and `kac prune` rely on: the queue in claim order, one job's whole record,
// lease expiry judged by the timeout the claimer recorded (and by a dead pid on this host), an ETA
// that counts down between progress writes, the worker registry, retention that never touches
// queued or running jobs, and no empty out/<id>/ left by a failed job.
import Foundation
import Spool
import TestSupport
import Testing
import Vocabulary

@Suite struct SpoolInspectionTests {
    /// Times pass through the spool's JSON files as ISO 8601 with milliseconds.
    static let timeTolerance = 2e-3

    @Test func queueListsJobsInClaimOrderWithProblemsFirst() throws {
        let fixture = try SpoolFixture()
        try fixture.drop(job(#""quality": "best", "count": 3"#), as: "c-old.json", age: 30)
        try fixture.drop(job(#""model": "fm/teacher""#), as: "a-new.json", age: 10)
        try fixture.drop(job(#""quality": "best", "priority": 5"#), as: "z-urgent.json", age: 1)
        try fixture.drop(job(#""quality": "best", "count": 0"#), as: "broken.json", age: 60)
        try fixture.drop(job(#""quality": "best", "count": 0"#), as: "fresh-broken.json", age: 0)
        let queue = try fixture.spool.queue()
        #expect(queue.map(\.jobID) == ["broken", "z-urgent", "c-old", "a-new", "fresh-broken"])
        #expect(queue.map(\.position) == [1, 2, 3, 4, 5])
        #expect(queue[0].problem?.description.hasPrefix("will fail: ") == true && queue[0].problem?.description.contains("count") == true)
        #expect(queue[1].priority == 5 && queue[2].count == 3 && queue[2].model == "quality=best" && queue[3].model == "fm/teacher")
        #expect(queue[4].problem?.description.contains("not valid yet") == true)
        // Listing is read-only: the same order is what the workers then claim.
        var claimed: [String] = []
        while let claim = try fixture.spool.claimNext(as: fixture.worker) {
            claimed.append(claim.id)
            try fixture.spool.finish(claim, outcome: .completed)
        }
        #expect(claimed == ["z-urgent", "c-old", "a-new"])
        #expect(fixture.names("failed") == ["broken.error.json", "broken.json"])
    }

    /// What the daemon's status line and `--once` count: every entry a claim's scan judges (ready,
    /// settling or to be rejected), never a producer's dotfile or another extension, down to 0 once
    /// workers have taken or failed them all.
    @Test func queuedEntryCountIsWhatTheScanJudges() throws {
        let fixture = try SpoolFixture()
        try fixture.drop(job(#""quality": "best""#), as: "ready.json", age: 30)
        try fixture.drop(job(#""quality": "best", "count": 0"#), as: "settling.json", age: 0)
        try fixture.drop(job(#""quality": "best""#), as: "bad name.json", age: 30)
        try fixture.drop(job(#""quality": "best""#), as: ".copying.json", age: 30)
        try fixture.drop("notes", as: "notes.txt", age: 30)
        #expect(try fixture.spool.queuedEntryCount() == 3)
        #expect(try fixture.spool.queue().count == 3)
        while let claim = try fixture.spool.claimNext(as: fixture.worker) { try fixture.spool.finish(claim, outcome: .completed) }
        #expect(try fixture.spool.queuedEntryCount() == 1, "the settling file may still become a job")
        fixture.clock.advance(10)
        #expect(try fixture.spool.claimNext(as: fixture.worker) == nil)
        #expect(try fixture.spool.queuedEntryCount() == 0)
    }

    @Test func leaseExpiryFollowsTheClaimersTimeoutNotTheReaders() throws {
        // The worker runs with --lease-timeout 10; `kac status` opens the spool with the default 120.
        let fixture = try SpoolFixture(configuration: SpoolConfiguration(leaseTimeout: 10, settlePeriod: 5))
        let reader = try Spool(root: fixture.root, clock: fixture.clock.spoolClock, create: false)
        try fixture.spool.submit(RenderJob(id: "k9", model: .quality(.best), count: 4))
        let claim = try #require(try fixture.spool.claimNext(as: fixture.worker))
        #expect(claim.lease.timeout == 10)
        fixture.clock.advance(9)
        #expect(try reader.status().running.first?.leaseExpired == false)
        fixture.clock.advance(2)
        let running = try #require(try reader.status().running.first)
        #expect(running.leaseExpired && running.abandoned?.contains("lease timeout 10s") == true, "\(running)")
        // The fixture's worker is on another host: the reason says whose clock judged its heartbeat.
        #expect(running.abandoned?.contains("clock, which may differ from test-host's") == true, "\(running)")
        #expect(try reader.inspect(jobID: "k9").abandoned != nil)
        #expect(try reader.status().text().contains("k9 worker=test-worker attempt=1"))
    }

    @Test func aDeadWorkerOnThisHostIsExpiredAtOnce() throws {
        let fixture = try SpoolFixture()
        let dead = WorkerIdentity(id: "killed", host: WorkerIdentity.current().host, pid: Self.deadPID())
        try fixture.spool.submit(RenderJob(id: "k9", model: .quality(.best)))
        _ = try #require(try fixture.spool.claimNext(as: dead))
        let running = try #require(try fixture.spool.status().running.first)
        #expect(running.leaseExpired && running.abandoned?.contains("no longer running") == true, "\(running)")
        #expect(try fixture.spool.status().text().contains("LEASE EXPIRED"))
    }

    @Test func etaCountsDownBetweenProgressWritesAndBatchesShowSteps() throws {
        let fixture = try SpoolFixture()
        try fixture.spool.submit(RenderJob(id: "slow", model: .quality(.best), count: 40))
        let claim = try #require(try fixture.spool.claimNext(as: fixture.worker))
        fixture.clock.advance(10)
        // Half of a 16-image batch after 10 s: 8 image-equivalents done, 32 left → 40 s.
        let progress = try fixture.spool.reportProgress(claim, completed: 0, total: 40, batch: (16, 50, 100))
        #expect(abs((progress.etaSeconds ?? 0) - 40) < 1e-6 && progress.batchStep == 50)
        fixture.clock.advance(15)
        let running = try #require(try fixture.spool.status().running.first)
        #expect(abs((running.etaSeconds ?? 0) - 25) < Self.timeTolerance, "\(running)")
        let detail = try fixture.spool.inspect(jobID: "slow")
        #expect(detail.text(now: fixture.clock.now).contains("progress: 0/40 images, batch of 16 at step 50/100, eta 25s"))
        fixture.clock.advance(100)
        #expect(try fixture.spool.status().running.first?.etaSeconds == 0)
    }

    @Test func inspectTellsEachStatesStory() throws {
        let fixture = try SpoolFixture()
        let spool = fixture.spool
        try spool.submit(RenderJob(id: "later", model: .quality(.fastest), count: 2))
        var detail = try spool.inspect(jobID: "later")
        #expect(detail.state == .new && detail.queuePosition == 1 && detail.model == "quality=fastest" && detail.count == 2)
        // A preset's data set is part of what the job asked for.
        try spool.submit(RenderJob(id: "shapes", model: .stepBudget(4), dataset: try DatasetName(parsing: "shapes"), priority: -1))
        #expect(try spool.inspect(jobID: "shapes").model == "maxSteps=4 dataset=shapes")
        #expect(try spool.queue().map(\.model) == ["quality=fastest", "maxSteps=4 dataset=shapes"])

        let claim = try #require(try spool.claimNext(as: fixture.worker))
        try spool.writeOutput([1, 2, 3], name: "0000-bag.png", for: claim)
        try spool.reportProgress(claim, completed: 1, total: 2)
        detail = try spool.inspect(jobID: "later")
        #expect(detail.state == .work && detail.lease?.worker.id == "test-worker" && detail.attempts == 1)
        #expect(detail.progress?.completed == 1 && detail.outputs == ["0000-bag.png"])
        let text = detail.text(now: fixture.clock.now)
        #expect(text.hasPrefix("job later: running (work/)\n") && text.contains("worker: test-worker on test-host"), "\(text)")
        #expect(text.contains("(1 file)\n  0000-bag.png"), "\(text)")
        // `kac status ID --watch` on a running job: the count only, so the progress stays on screen.
        let watched = detail.text(now: fixture.clock.now, listingOutputs: false)
        #expect(watched.contains("(1 file)") && !watched.contains("0000-bag.png"), "\(watched)")
        try spool.finish(
            claim,
            outcome: .failed(
                JobFailure(jobID: "later", code: .renderError, reason: "disk on fire", attempts: 1, failedAt: fixture.clock.now)))
        detail = try spool.inspect(jobID: "later")
        #expect(detail.state == .failed && detail.failure?.reason == "disk on fire" && detail.finishedAt != nil)
        #expect(detail.text(now: fixture.clock.now).contains("reason: [render-error] disk on fire"))
        #expect(detail.outputs == ["0000-bag.png"], "a failed job keeps the images it wrote")
        #expect(throws: SpoolError.self) { try spool.inspect(jobID: "nobody") }
        #expect(throws: SpoolError.self) { try spool.inspect(jobID: "../etc") }
    }

    @Test func aJobThatFailsBeforeItsFirstImageLeavesNoOutputDirectory() throws {
        let fixture = try SpoolFixture()
        try fixture.spool.submit(RenderJob(id: "doomed", model: .quality(.best)))
        let claim = try #require(try fixture.spool.claimNext(as: fixture.worker))
        #expect(FileManager.default.fileExists(atPath: claim.outputDirectory))
        _ = FileManager.default.createFile(atPath: claim.outputDirectory + "/.kac-render", contents: Data("fp\n".utf8))
        try fixture.spool.finish(claim, outcome: .cancelled)
        #expect(!FileManager.default.fileExists(atPath: claim.outputDirectory))
        #expect(fixture.names("out").isEmpty)
    }

    /// A cancelled job's event counts the images it keeps (the daemon logs that one line); a job
    /// cancelled while queued ends before any attempt opened out/<id>/, so it has no count.
    @Test func aCancelledJobsEventCountsTheImagesItKeeps() throws {
        let directory = TemporaryDirectory(prefix: "kac-spool")
        let seen = EventRecorder()
        let spool = try Spool(root: directory.path + "/spool", events: { seen.append($0) })
        try spool.submit(RenderJob(id: "halfway", model: .quality(.fastest), count: 3))
        let claim = try #require(try spool.claimNext(as: WorkerIdentity(id: "w", host: "h", pid: getpid())))
        try spool.writeOutput([1, 2, 3], name: "0000-bag.png", for: claim)
        try spool.finish(claim, outcome: .cancelled)
        try spool.submit(RenderJob(id: "early", model: .quality(.fastest)))
        #expect(try spool.cancel(jobID: "early") == .cancelledQueued)
        #expect(
            seen.events == [
                .finished(jobID: "halfway", outcome: .cancelled, imagesKept: 1),
                .finished(jobID: "early", outcome: .cancelled, imagesKept: nil),
            ])
    }

    @Test func workersAnnounceThemselvesAndTheirLimits() throws {
        let fixture = try SpoolFixture()
        let spool = fixture.spool
        #expect(spool.workers().isEmpty)
        #expect(try spool.status().text().contains("workers: none has announced itself"))
        let now = fixture.clock.now
        let host = WorkerIdentity.current().host
        func record(_ id: String, pid: Int32, age: Double, count: Int) -> WorkerRecord {
            WorkerRecord(
                worker: WorkerIdentity(id: id, host: host, pid: pid), startedAt: now - 100, heartbeatAt: now - age,
                heartbeatInterval: 2, job: nil, limits: SpoolLimits(maximumCount: count))
        }
        try spool.announce(record("busy", pid: getpid(), age: 1, count: 1000))
        try spool.announce(record("small", pid: getpid(), age: 3, count: 64))
        try spool.announce(record("hung", pid: getpid(), age: 30, count: 8))
        try spool.announce(record("killed", pid: Self.deadPID(), age: 1, count: 4))
        let workers = spool.workers()
        #expect(workers.map(\.record.worker.id) == ["busy", "small", "hung", "killed"])
        #expect(workers.map(\.health) == [.alive, .alive, .stale, .dead])
        #expect(abs(workers[1].heartbeatAge - 3) < Self.timeTolerance)
        // Only live workers count, and the smallest limit wins, so every live worker can run the job.
        #expect(spool.advertisedLimits().maximumCount == 64)
        let text = try spool.status().text()
        #expect(text.contains("  busy alive heartbeat 1s ago") && text.contains("  and 1 record(s) of dead workers"), "\(text)")
        #expect(!text.contains("killed"), "dead workers are summarised, not listed: \(text)")
        spool.withdraw(WorkerIdentity(id: "busy", host: host, pid: getpid()))
        #expect(spool.workers().count == 3)
    }

    /// Hundreds of killed workers leave records: kacd's sweep removes them, `kac status` prints one line.
    @Test func recordsOfDeadWorkersAreSummarisedAndRemoved() throws {
        let fixture = try SpoolFixture()
        let spool = fixture.spool
        let host = WorkerIdentity.current().host
        let dead = Self.deadPID()
        for index in 0..<323 {
            try spool.announce(
                WorkerRecord(
                    worker: WorkerIdentity(id: "killed-\(index)", host: host, pid: dead), startedAt: fixture.clock.now - 60,
                    heartbeatAt: fixture.clock.now - 5, heartbeatInterval: 2, limits: SpoolLimits()))
        }
        try spool.announce(
            WorkerRecord(
                worker: WorkerIdentity(id: "live", host: host, pid: getpid()), startedAt: fixture.clock.now,
                heartbeatAt: fixture.clock.now, heartbeatInterval: 2, limits: SpoolLimits()))
        let text = try spool.status().text()
        #expect(text.split(separator: "\n").count < 10, "\(text)")
        #expect(text.contains("  live alive") && text.contains("and 323 record(s) of dead workers"), "\(text)")
        spool.withdraw(WorkerIdentity(id: "live", host: host, pid: getpid()))
        #expect(try spool.status().text().contains("workers: none alive (is kacd running on this spool?)\n  and 323 record(s)"))
        #expect(spool.removeDeadWorkerRecords().count == 323)
        #expect(try spool.status().text().contains("workers: none has announced itself"))
        #expect(spool.workers().isEmpty)
    }

    /// Job-supplied text (a failure reason quoting a job file, a file name in new/) reaches the
    /// terminal with its control characters escaped: no colours, titles, fake lines or NULs.
    @Test func statusEscapesWhatJobFilesSupply() throws {
        let fixture = try SpoolFixture()
        let spool = fixture.spool
        try spool.submit(RenderJob(id: "evil", model: .quality(.best)))
        let claim = try #require(try spool.claimNext(as: fixture.worker))
        let reason = "unknown field \"x\u{1B}]0;pwned\u{07}\nqueue: new=0 fake\u{0}\""
        try spool.finish(
            claim, outcome: .failed(JobFailure(jobID: "evil", code: .renderError, reason: reason, failedAt: fixture.clock.now)))
        let text = try spool.status().text()
        #expect(!text.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" }, "\(text.debugDescription)")
        #expect(text.contains("x\\u{1B}]0;pwned\\u{7}\\u{A}queue: new=0 fake\\u{0}"), "\(text)")
        let detail = try spool.inspect(jobID: "evil").text(now: fixture.clock.now)
        #expect(!detail.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" }, "\(detail.debugDescription)")
        let validation = JobValidationError(.unknownField, field: "a\nb", "unknown field \"a\nb\u{1B}[2J\"")
        #expect(validation.field == "a\\u{A}b" && validation.message == "unknown field \"a\\u{A}b\\u{1B}[2J\"")
    }

    @Test func pruneRemovesFinishedJobsByAgeAndCountButNeverQueuedOrRunningOnes() throws {
        let fixture = try SpoolFixture()
        let spool = fixture.spool
        // Finish five jobs, one a day apart (done: d0 … d3; failed: f4), each with an image.
        for (index, id) in ["d0", "d1", "d2", "d3", "f4"].enumerated() {
            try spool.submit(RenderJob(id: id, model: .quality(.best)))
            let claim = try #require(try spool.claimNext(as: fixture.worker))
            try spool.writeOutput([UInt8](repeating: 7, count: 100), name: "0000-bag.png", for: claim)
            if index < 4 {
                try spool.finish(claim, outcome: .completed)
            } else {
                try spool.finish(
                    claim,
                    outcome: .failed(JobFailure(jobID: id, code: .renderError, reason: "x", failedAt: fixture.clock.now)))
            }
            fixture.clock.advance(86_400)
        }
        try spool.submit(RenderJob(id: "waiting", model: .quality(.best)))
        try spool.submit(RenderJob(id: "busy", model: .quality(.best)))
        let running = try #require(try spool.claimNext(as: fixture.worker))
        #expect(running.id == "waiting" || running.id == "busy")

        let dry = try spool.prune(RetentionPolicy(keepLatest: 1), dryRun: true)
        #expect(dry.removed.count == 3 && dry.kept == 2 && dry.removed.allSatisfy { $0.outputFiles == 1 && $0.bytes == 100 })
        #expect(fixture.names("done").count == 4, "a dry run removes nothing")

        let report = try spool.prune(RetentionPolicy(keepLatest: 1))
        #expect(Set(report.removed.map(\.jobID)).count == 3 && report.bytesFreed == 300)
        #expect(fixture.names("done").count == 1 && fixture.names("failed") == ["f4.error.json", "f4.json"])
        #expect(Set(fixture.names("out")) == Set([fixture.names("done")[0].replacingOccurrences(of: ".json", with: ""), "f4", running.id]))
        #expect(fixture.names("new").count == 1 && fixture.names("work").contains("\(running.id).json"))

        // By age: f4 failed (failedAt, manual clock) one day before the clock's present.
        #expect(try spool.prune(RetentionPolicy(maximumAge: 2 * 86_400, states: [.failed])).removed.isEmpty)
        let aged = try spool.prune(RetentionPolicy(maximumAge: 12 * 3600, states: [.failed]))
        #expect(aged.removed.map(\.jobID) == ["f4"] && aged.removed.first?.reason.contains("finished more than 12h00m ago") == true)
        #expect(fixture.names("failed").isEmpty && !fixture.names("out").contains("f4"))
        #expect(try spool.prune(RetentionPolicy()).removed.isEmpty, "an empty policy removes nothing")
    }

    @Test func durationsParse() {
        #expect(RetentionPolicy.duration("7d") == 604_800 && RetentionPolicy.duration("90s") == 90)
        #expect(RetentionPolicy.duration("12h") == 43_200 && RetentionPolicy.duration("2w") == 1_209_600)
        #expect(RetentionPolicy.duration("30") == 30 && RetentionPolicy.duration("1.5m") == 90)
        #expect(RetentionPolicy.duration("-1d") == nil && RetentionPolicy.duration("soon") == nil && RetentionPolicy.duration("") == nil)
    }

    /// The pid of a process that has exited and been reaped.
    static func deadPID() -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try? process.run()
        process.waitUntilExit()
        return process.processIdentifier
    }
}

/// Spool events in the order they were sent.
final class EventRecorder: @unchecked Sendable {
    // @unchecked: every access holds `lock`.
    private let lock = NSLock()
    private var recorded: [SpoolEvent] = []
    func append(_ event: SpoolEvent) { lock.withLock { recorded.append(event) } }
    var events: [SpoolEvent] { lock.withLock { recorded } }
}
