// One kacd rendering several jobs at once (`--workers`): two jobs are held at the same time, each
// under its own worker's lease; their images are byte for byte those of the same jobs rendered one
// at a time; SIGTERM with both in flight gives both back to new/ with their images kept; and the
// settings resolve `workers` against the thread budget.
import Foundation
import Glibc
import RenderService
import Spool
import TensorCore
import TestSupport
import Testing

@Suite(.serialized) struct ConcurrentWorkersTests {
    /// Two jobs long enough to overlap (the tiny teacher: 16 images of 24 Euler steps each).
    static let jobs = [
        ("left", #"{"schema": 1, "model": "fashion-mnist/teacher", "count": 16, "steps": 24, "seed": 11}"#),
        ("right", #"{"schema": 1, "model": "fashion-mnist/teacher", "count": 16, "steps": 24, "seed": 12, "labels": ["bag"]}"#),
    ]

    func images(_ spool: String, _ id: String) -> [String: [UInt8]] {
        let directory = spool + "/out/" + id
        return Dictionary(uniqueKeysWithValues: names(in: directory).filter { $0.hasSuffix(".png") }.map { ($0, bytes(directory + "/" + $0)) })
    }

    func lease(_ spool: String, _ id: String) -> String? {
        let data = FileManager.default.contents(atPath: spool + "/work/\(id).lease.json") ?? Data()
        let worker = ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any])?["worker"] as? [String: Any]
        return worker?["id"] as? String
    }

    @Test func twoWorkersHoldTwoLeasesAtOnceAndWriteTheBytesOfASerialRender() throws {
        let fixture = try DaemonFixture()
        for (id, json) in Self.jobs { try drop(json, id: id, spool: fixture.spool) }
        let daemon = try fixture.start(["--workers", "2", "--threads", "2", "--batch-size", "2", "--worker-id", "pair", "--once"])
        var holders: Set<String> = []
        let overlapped = waitUntil(timeout: 60) {
            guard let left = lease(fixture.spool, "left"), let right = lease(fixture.spool, "right") else { return false }
            holders = [left, right]
            return true
        }
        let finished = daemon.wait()
        #expect(finished.status == 0, "\(finished.error)")
        #expect(overlapped, "the two jobs were never held at the same time: \(finished.error)")
        #expect(holders == ["pair", "pair:2"], "\(holders)")
        #expect(finished.error.contains("2 workers of 1 thread"), "\(finished.error)")
        #expect(names(in: fixture.spool + "/done") == ["left.json", "right.json"])

        // The same jobs, one at a time on one thread, in a second spool with the same zoo.
        let serial = fixture.root.file("serial")
        try makeSpool(serial)
        for (id, json) in Self.jobs { try drop(json, id: id, spool: serial) }
        let alone = try Child.run(
            Binaries.kacd, ["--spool", serial, "--zoo", fixture.zoo, "--once", "--workers", "1", "--threads", "1", "--batch-size", "2"],
            logDirectory: fixture.root.path)
        #expect(alone.status == 0, "\(alone.error)")
        for (id, _) in Self.jobs {
            let together = images(fixture.spool, id), single = images(serial, id)
            #expect(together.count == 16 && single.count == 16)
            for (name, data) in single { #expect(together[name] == data, "\(id)/\(name) differs between two workers and one") }
        }
    }

    @Test func sigtermWithTwoJobsInFlightGivesBothBackWithTheirImages() throws {
        let fixture = try DaemonFixture()
        for id in ["first", "second"] {
            try drop(#"{"schema": 1, "model": "fashion-mnist/teacher", "count": 64, "steps": 60}"#, id: id, spool: fixture.spool)
        }
        let daemon = try fixture.start(["--workers", "2", "--threads", "2", "--batch-size", "2"])
        let bothRunning = waitUntil(timeout: 60) {
            ["first", "second"].allSatisfy { id in
                names(in: fixture.spool + "/out/\(id)").contains { $0.hasSuffix(".png") }
            }
        }
        #expect(bothRunning, "the two jobs did not both write images")
        daemon.signal(SIGTERM)
        let finished = daemon.wait()
        #expect(finished.status == 0, "\(finished.error)")
        #expect(finished.error.contains("giving each job in hand back"), "\(finished.error)")
        for id in ["first", "second"] {
            #expect(FileManager.default.fileExists(atPath: fixture.spool + "/new/\(id).json"), "\(id) was not given back")
            #expect(!names(in: fixture.spool + "/out/\(id)").filter { $0.hasSuffix(".png") }.isEmpty, "\(id) lost its images")
        }
        #expect(names(in: fixture.spool + "/work").isEmpty, "\(names(in: fixture.spool + "/work"))")
        #expect(names(in: fixture.spool + "/done").isEmpty && fixture.failedJobs().isEmpty)
        #expect(names(in: fixture.spool + "/workers").isEmpty, "worker records left: \(names(in: fixture.spool + "/workers"))")
    }

    @Test func workersResolveAgainstTheThreadBudget() {
        let budget = ThreadBudget(threads: 4, source: .affinity, affinityCPUs: 4, quota: nil)
        var settings = DaemonSettings()
        #expect(settings.configuration(threads: budget).workers == 4, "auto: one per thread")
        #expect(settings.configuration(threads: budget).threadsPerWorker == 1)
        settings.workers = 2
        #expect(settings.configuration(threads: budget).threadsPerWorker == 2)
        settings.workers = 9
        #expect(settings.configuration(threads: budget).workers == 4, "never more workers than threads")
        let configuration = settings.configuration(threads: budget)
        #expect(configuration.worker(slot: 0) == configuration.worker)
        #expect(configuration.worker(slot: 2).id == configuration.worker.id + ":3")
        #expect(configuration.workerBudget.threads == 1 && configuration.workerBudget.affinityCPUs == 4)
    }
}
