// Spool states as values: the raw values are the directories on disk, `state(ofJob:)` follows a
// job through its states, errors name the state, and `kac status --json` still shows the counts
// as an object keyed by directory name.
import Foundation
import Spool
import Testing

@Suite struct SpoolStateTests {
    @Test func rawValuesAreTheDirectoriesOnDisk() throws {
        let fixture = try SpoolFixture()
        #expect(SpoolState.allCases.map(\.rawValue) == ["new", "work", "done", "failed", "tmp"])
        #expect(Spool.directories.map(\.name) == ["tmp", "new", "work", "out", "done", "failed", "cancel", "attempts"])
        #expect(fixture.names("") == Spool.directories.map(\.name).sorted())
        for state in SpoolState.allCases {
            #expect(fixture.spool.directoryPath(state) == fixture.root + "/" + state.rawValue)
        }
    }

    @Test func stateOfJobFollowsTheJob() throws {
        let fixture = try SpoolFixture()
        let spool = fixture.spool
        #expect(spool.state(ofJob: "shoes") == nil)
        #expect(spool.state(ofJob: "../shoes") == nil)
        try spool.submit(RenderJob(id: "shoes", model: .quality(.fastest)))
        #expect(spool.state(ofJob: "shoes") == .new)
        let claim = try #require(try spool.claimNext(as: fixture.worker))
        #expect(spool.state(ofJob: "shoes") == .work)
        try spool.finish(claim, outcome: .completed)
        #expect(spool.state(ofJob: "shoes")?.isFinished == true)
        #expect(spool.state(ofJob: "shoes") == .done)
    }

    @Test func errorsNameTheState() throws {
        let fixture = try SpoolFixture()
        let spool = fixture.spool
        try spool.submit(RenderJob(id: "shoes", model: .quality(.fastest)))
        let duplicate = try #require(throws: SpoolError.self) { try spool.submit(RenderJob(id: "shoes", model: .quality(.best))) }
        guard case .duplicateJobID("shoes", state: .new) = duplicate else { Issue.record("got \(duplicate)"); return }
        #expect(duplicate.description.contains("already exists in new/"))

        try spool.finish(try #require(try spool.claimNext(as: fixture.worker)), outcome: .completed)
        let finished = try #require(throws: SpoolError.self) { try spool.cancel(jobID: "shoes") }
        guard case .alreadyFinished("shoes", state: .done) = finished else { Issue.record("got \(finished)"); return }
        #expect(finished.description == "job \"shoes\" already finished (it is in done/); nothing to cancel")
    }

    @Test func statusCountsEncodeAsAnObjectKeyedByDirectory() throws {
        let fixture = try SpoolFixture()
        try fixture.spool.submit(RenderJob(id: "a", model: .quality(.fastest)))
        try fixture.spool.submit(RenderJob(id: "b", model: .quality(.fastest)))
        _ = try #require(try fixture.spool.claimNext(as: fixture.worker))
        let status = try fixture.spool.status()
        #expect(status.counts == [.new: 1, .work: 1, .done: 0, .failed: 0, .tmp: 0])
        #expect(status.text().hasPrefix("queue: new=1 work=1 done=0 failed=0 tmp=0\n"))

        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let data = try encoder.encode(status)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let counts = try #require(object["counts"] as? [String: Int])
        #expect(counts == ["new": 1, "work": 1, "done": 0, "failed": 0, "tmp": 0])
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        #expect(try decoder.decode(SpoolStatus.self, from: data).counts == status.counts)
    }
}
