// The sweep against a requeue and a claim that both slip between its probes of new/ and work/:
// the attempts count of the job must survive (staged with the sweep's fault hook).
import Foundation
import Spool
import Testing

@Suite struct SweepRaceTests {
    final class Stage: @unchecked Sendable {
        var action: (() -> Void)?
    }

    @Test func aClaimBetweenTheSweepsProbesKeepsTheAttemptsCount() throws {
        let stage = Stage()
        var configuration = SpoolConfiguration(settlePeriod: 5)
        configuration.faults = SpoolFaults(markerSetAside: { _ in
            let action = stage.action
            stage.action = nil
            action?()
        })
        let fixture = try SpoolFixture(configuration: configuration)
        let spool = fixture.spool
        try spool.submit(RenderJob(id: "r", model: .quality(.best)))
        // Two earlier claims died; the marker was written long ago.
        let marker = fixture.root + "/attempts/r"
        try Data("2\n".utf8).write(to: URL(fileURLWithPath: marker))
        try fixture.setModified(marker, fixture.clock.now - spool.configuration.sweep.temporaryGrace - 10)
        // The job is between directories while the sweep probes (a requeue in flight) ...
        let transit = fixture.directory.path + "/transit.json"
        try FileManager.default.moveItem(atPath: fixture.root + "/new/r.json", toPath: transit)
        let claimed = ClaimBox()
        // ... and lands in new/ and is claimed again right after the sweep took the marker.
        stage.action = {
            try? FileManager.default.moveItem(atPath: transit, toPath: fixture.root + "/new/r.json")
            claimed.claim = try? spool.claimNext(as: fixture.worker)
        }
        let removed = spool.sweep()
        #expect(removed.orphanedMarkers == 0)
        #expect(claimed.claim?.attempt == 1)  // the claim read no count while the marker was aside
        let count = try String(contentsOfFile: marker, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(count == "3", "attempts/r holds \(count)")
        #expect(fixture.names("attempts") == ["r"])
    }

    @Test func aTrulyOrphanedMarkerIsRemoved() throws {
        let fixture = try SpoolFixture()
        let marker = fixture.root + "/attempts/gone"
        try Data("1\n".utf8).write(to: URL(fileURLWithPath: marker))
        try fixture.setModified(marker, fixture.clock.now - fixture.spool.configuration.sweep.temporaryGrace - 10)
        #expect(fixture.spool.sweep().orphanedMarkers == 1)
        #expect(fixture.names("attempts").isEmpty)
    }

    final class ClaimBox: @unchecked Sendable { var claim: ClaimedJob? }
}

/// A claim by link that died between its link and its unlink leaves the job under both names;
/// recovery drops the work/ name instead of setting the job aside as its own duplicate.
@Suite struct HalfDoneLinkClaimTests {
    @Test func recoveryFinishesAnInterruptedLinkClaim() throws {
        let fixture = try SpoolFixture(configuration: SpoolConfiguration(leaseTimeout: 120, settlePeriod: 5))
        try fixture.spool.submit(RenderJob(id: "half", model: .quality(.best)))
        #expect(link(fixture.root + "/new/half.json", fixture.root + "/work/half.json") == 0)  // then the claimer died
        #expect(try fixture.spool.claimNext(as: fixture.worker) == nil)  // work/half.json is taken
        #expect(try fixture.spool.recoverAbandonedJobs(host: "elsewhere").isEmpty)  // first sight
        fixture.clock.advance(121)
        #expect(try fixture.spool.recoverAbandonedJobs(host: "elsewhere").map(\.jobID) == ["half"])
        #expect(fixture.names("work").isEmpty && fixture.names("new") == ["half.json"])
        #expect(fixture.names("failed").isEmpty, "set aside as a duplicate of itself: \(fixture.names("failed"))")
        let claim = try #require(try fixture.spool.claimNext(as: fixture.worker))
        #expect(claim.id == "half")
    }
}
