// Crash safety with an injected clock: expired leases are requeued, heartbeats keep them alive,
// dead local pids are noticed at once, and a job that keeps killing workers ends in `failed/`.
import Foundation
import Spool
import TestSupport
import Testing

@Suite struct SpoolRecoveryTests {
    static let configuration = SpoolConfiguration(leaseTimeout: 120, settlePeriod: 5, maximumAttempts: 2)
    let host = WorkerIdentity.current().host

    @Test func expiredLeaseIsRequeuedAndTheOldHolderLosesIt() throws {
        let fixture = try SpoolFixture(configuration: Self.configuration)
        let spool = fixture.spool
        try spool.submit(RenderJob(id: "slow", model: .quality(.best), count: 3))
        var first = try #require(try spool.claimNext(as: WorkerIdentity(id: "a", host: "elsewhere", pid: 1)))
        try spool.writeOutput([1], name: "0000.png", for: first)
        fixture.clock.advance(100)
        try spool.heartbeat(&first)
        fixture.clock.advance(100)
        // Another host's lease is judged by watching it: first seen now, unchanged for 0 s.
        #expect(try spool.recoverAbandonedJobs(host: host).isEmpty)
        fixture.clock.advance(100)
        #expect(try spool.recoverAbandonedJobs(host: host).isEmpty)  // unchanged for 100 s < 120 s
        fixture.clock.advance(21)
        let actions = try spool.recoverAbandonedJobs(host: host)
        #expect(actions.map(\.jobID) == ["slow"])
        guard case .requeued(_, 1, let reason) = actions.first else { Issue.record("\(actions)"); return }
        #expect(reason.contains("has not renewed its lease for 121s"), "\(reason)")
        let second = try #require(try spool.claimNext(as: WorkerIdentity(id: "b", host: "elsewhere", pid: 2)))
        #expect(second.attempt == 2 && second.completedAtClaim == ["0000.png"])
        #expect(throws: SpoolError.self) { try spool.heartbeat(&first) }
        #expect(throws: SpoolError.self) { try spool.finish(first, outcome: .completed) }
        try spool.finish(second, outcome: .completed)
        #expect(fixture.names("done") == ["slow.json"])
    }

    @Test func tooManyAttemptsEndInFailed() throws {
        let fixture = try SpoolFixture(configuration: Self.configuration)
        let spool = fixture.spool
        try spool.submit(RenderJob(id: "crasher", model: .quality(.best)))
        for attempt in 1...2 {
            let claim = try #require(try spool.claimNext(as: WorkerIdentity(id: "w\(attempt)", host: "elsewhere", pid: 1)))
            #expect(claim.attempt == attempt)
            #expect(try spool.recoverAbandonedJobs(host: host).isEmpty)  // first sight of the lease
            fixture.clock.advance(121)
            let action = try #require(try spool.recoverAbandonedJobs(host: host).first)
            if attempt == 1 {
                #expect(action == .requeued(jobID: "crasher", attempts: 1, reason: action.reasonText))
            } else {
                #expect(action == .gaveUp(jobID: "crasher", attempts: 2, reason: action.reasonText))
            }
        }
        #expect(try spool.claimNext(as: fixture.worker) == nil)
        let failure = try fixture.failure("crasher")
        #expect(failure["code"] as? String == "too-many-attempts")
        #expect((failure["reason"] as? String)?.contains("gave up after 2 attempts (maximum 2)") == true)
        #expect(fixture.names("attempts").isEmpty && fixture.names("work").isEmpty)
    }

    @Test func deadProcessOnThisHostIsRequeuedAtOnce() throws {
        let fixture = try SpoolFixture(configuration: Self.configuration)
        let finished = try ChildProcess.start("/bin/true", [])
        _ = finished.wait()
        let deadPID = finished.pid
        try fixture.spool.submit(RenderJob(id: "orphan", model: .quality(.best)))
        try fixture.spool.submit(RenderJob(id: "remote", model: .quality(.best)))
        _ = try #require(try fixture.spool.claimNext(as: WorkerIdentity(id: "dead", host: host, pid: deadPID)))
        _ = try #require(try fixture.spool.claimNext(as: WorkerIdentity(id: "far", host: "other-host", pid: deadPID)))
        let actions = try fixture.spool.recoverAbandonedJobs(host: host)
        #expect(actions.map(\.jobID) == ["orphan"])  // another host's pid says nothing
        #expect(actions.first?.reasonText.contains("no longer running") == true)
    }

    @Test func claimWithoutLeaseGetsAGracePeriod() throws {
        let fixture = try SpoolFixture(configuration: Self.configuration)
        try fixture.spool.submit(RenderJob(id: "half", model: .quality(.best)))
        _ = try #require(try fixture.spool.claimNext(as: fixture.worker))
        try FileManager.default.removeItem(atPath: fixture.root + "/work/half.lease.json")  // crash before the lease
        #expect(try fixture.spool.recoverAbandonedJobs(host: "nowhere").isEmpty)
        fixture.clock.advance(121)
        #expect(try fixture.spool.recoverAbandonedJobs(host: "nowhere").map(\.jobID) == ["half"])
        #expect(fixture.names("new") == ["half.json"])
    }

    /// Two workers that see each other as different hosts, the holder's clock ten minutes slow
    /// (or fast): its heartbeats keep the job, and once it stops, the other takes over after one
    /// timeout of watching — never at once because of the clock difference.
    @Test(arguments: [-600.0, 600.0])
    func leasesAcrossHostsIgnoreClockDifferences(skew: Double) throws {
        let fixture = try SpoolFixture(configuration: Self.configuration)
        let skewed = fixture.clock
        let offset = ManualClock(skewed.now + skew)
        let holderSpool = try Spool(root: fixture.root, configuration: Self.configuration, clock: offset.spoolClock, create: false)
        let watcher = fixture.spool
        try watcher.submit(RenderJob(id: "far", model: .quality(.best)))
        var held = try #require(try holderSpool.claimNext(as: WorkerIdentity(id: "a", host: "host-a", pid: 1)))
        for _ in 0..<5 {
            #expect(try watcher.recoverAbandonedJobs(host: "host-b").isEmpty)
            skewed.advance(60)
            offset.advance(60)
            try holderSpool.heartbeat(&held)
        }
        // The holder stops (its host died): one timeout of watching later the job is requeued.
        #expect(try watcher.recoverAbandonedJobs(host: "host-b").isEmpty)
        skewed.advance(100)
        #expect(try watcher.recoverAbandonedJobs(host: "host-b").isEmpty)
        skewed.advance(21)
        #expect(try watcher.recoverAbandonedJobs(host: "host-b").map(\.jobID) == ["far"])
        let taken = try #require(try watcher.claimNext(as: WorkerIdentity(id: "b", host: "host-b", pid: 2)))
        #expect(taken.attempt == 2)
        #expect(throws: SpoolError.self) { try holderSpool.heartbeat(&held) }
    }

    @Test func shutdownGivesTheJobBackWithoutCountingAnAttempt() throws {
        let fixture = try SpoolFixture(configuration: Self.configuration)
        try fixture.spool.submit(RenderJob(id: "polite", model: .quality(.best)))
        for _ in 0..<3 {
            let claim = try #require(try fixture.spool.claimNext(as: fixture.worker))
            #expect(claim.attempt == 1)
            try fixture.spool.finish(claim, outcome: .requeued(reason: "SIGTERM"))
            #expect(fixture.names("new") == ["polite.json"] && !fixture.names("work").contains("polite.lease.json"))
        }
    }
}

extension RecoveryAction {
    var reasonText: String {
        switch self {
        case let .requeued(_, _, reason), let .gaveUp(_, _, reason): return reason
        }
    }
}
