// End-to-end: real `kacd` processes on a temporary spool and zoo. A dropped job lands in done/
// with images and result.json; malformed, oversized and hostile entries land in failed/ with a
// reason while the daemon keeps serving; SIGHUP picks up a newly published model; SIGTERM gives a
// running job back and exits 0, with READY/STATUS/WATCHDOG/STOPPING sent to a fake systemd.
import Foundation
import Glibc
import Imaging
import ModelStore
import TestSupport
import Testing

struct DaemonFixture {
    let root = TemporaryDirectory(prefix: "kacd-e2e")
    var spool: String { root.file("spool") }
    var zoo: String { root.file("zoo") }

    init() throws {
        try makeSpool(spool)
        try TinyModel.publish(into: zoo)
    }

    func start(_ extra: [String] = [], environment: [String: String] = [:]) throws -> Child {
        try Child(
            Binaries.kacd, ["--spool", spool, "--zoo", zoo, "--poll-interval", "0.5", "--settle-period", "0.2"] + extra,
            environment: environment, logDirectory: root.path)
    }

    func json(_ path: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(bytes(path)))) as? [String: Any] ?? [:]
    }

    func failedJobs() -> [String] {
        names(in: spool + "/failed").filter { $0.hasSuffix(".json") && !$0.hasSuffix(".error.json") }
    }
}

@Suite(.serialized) struct DaemonTests {
    @Test func rendersJobsAndFailsHostileFilesWithoutStopping() throws {
        let fixture = try DaemonFixture()
        let daemon = try fixture.start(["--worker-id", "w1"])
        let spool = fixture.spool
        try drop(
            #"{"schema": 1, "model": "fashion-mnist/teacher", "count": 3, "labels": ["sneaker", "bag"], "steps": 1, "seed": 5, "scale": 2, "grid": true}"#,
            id: "sneakers", spool: spool)
        #expect(waitUntil(timeout: 30) { FileManager.default.fileExists(atPath: spool + "/done/sneakers.json") }, "\(daemon.wait().error)")
        let out = spool + "/out/sneakers"
        #expect(
            names(in: out).filter { !$0.hasPrefix(".") } == [
                "0000-sneaker.png", "0001-bag.png", "0002-sneaker.png", "grid.png", "result.json",
            ])
        let info = try ImageReader.info(path: out + "/0001-bag.png")
        #expect(info.width == 56 && info.height == 56 && info.bands == 1 && info.metadata["label"] == "bag" && info.metadata["seed"] == "5")
        let result = fixture.json(out + "/result.json")
        let manifest = try ModelStore(root: fixture.zoo, create: false).resolve("fashion-mnist/teacher")
        #expect(result["modelDigest"] as? String == manifest.blob.description && result["requested"] as? String == "fashion-mnist/teacher")
        let images = (result["render"] as? [String: Any])?["images"] as? [[String: Any]] ?? []
        #expect(images.map { $0["file"] as? String } == ["0000-sneaker.png", "0001-bag.png", "0002-sneaker.png"])
        #expect(images.map { $0["label"] as? Int } == [7, 8, 7] && images.allSatisfy { $0["seed"] as? Int == 5 })

        // Hostile and broken entries.
        try drop(#"{"schema": 1, "id": "../../etc/passwd", "model": "fashion-mnist/teacher"}"#, id: "traversal", spool: spool)
        try drop(#"{"schema": 1, "model": "no-such-model", "count": 1}"#, id: "unknown-model", spool: spool)
        try drop(#"{"schema": 1, "model": "fashion-mnist/teacher", "count": 1, "labels": [12]}"#, id: "bad-label", spool: spool)
        try drop(String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000), id: "nested", spool: spool)
        try drop(#"{"schema": 1, "model": "a", "pad": ""# + String(repeating: "x", count: 100_000) + "\"}", id: "oversized", spool: spool)
        try Data((0..<512).map { UInt8(truncatingIfNeeded: $0 &* 37) }).write(to: URL(fileURLWithPath: spool + "/new/garbage.json"))
        #expect(symlink("/etc/passwd", spool + "/new/link.json") == 0)
        try drop("{}", id: "x", spool: spool)
        #expect(rename(spool + "/new/x.json", spool + "/new/bad name.json") == 0)
        try drop(#"{"schema": 1, "quality": "fastest", "count": 2, "steps": 1}"#, id: "preset", spool: spool)
        #expect(
            waitUntil(timeout: 30) {
                FileManager.default.fileExists(atPath: spool + "/done/preset.json") && fixture.failedJobs().count == 8
            },
            "failed: \(fixture.failedJobs())")
        for job in fixture.failedJobs() {
            let error = fixture.json(spool + "/failed/" + job.dropLast(5) + ".error.json")
            #expect(!((error["reason"] as? String) ?? "").isEmpty, "\(job) has no reason")
        }
        #expect(fixture.json(spool + "/failed/traversal.error.json")["field"] as? String == "id")
        #expect((fixture.json(spool + "/failed/unknown-model.error.json")["reason"] as? String)?.contains("no-such-model") == true)
        #expect((fixture.json(spool + "/failed/bad-label.error.json")["reason"] as? String)?.contains("labels") == true)
        #expect(fixture.json(spool + "/failed/nested.error.json")["validationCode"] as? String == "too-deep")
        #expect(fixture.json(spool + "/failed/oversized.error.json")["validationCode"] as? String == "too-large")
        let selection = fixture.json(spool + "/out/preset/result.json")["selection"] as? [String: Any]
        #expect(selection?["model"] as? String == "fashion-mnist/teacher@1" && (selection?["reason"] as? String)?.isEmpty == false)
        #expect(FileManager.default.fileExists(atPath: "/etc/passwd"))

        // kac cancel stops a running job between batches; it fails as cancelled.
        try drop(#"{"schema": 1, "model": "fashion-mnist/teacher", "count": 200, "steps": 50}"#, id: "cancel-me", spool: spool)
        #expect(waitUntil(timeout: 30) { FileManager.default.fileExists(atPath: spool + "/work/cancel-me.progress.json") })
        let cancel = try Child.run(Binaries.kac, ["cancel", "cancel-me", "--spool", spool], logDirectory: fixture.root.path)
        #expect(cancel.status == 0, "\(cancel.error)")
        #expect(waitUntil(timeout: 30) { FileManager.default.fileExists(atPath: spool + "/failed/cancel-me.json") })
        #expect(fixture.json(spool + "/failed/cancel-me.error.json")["code"] as? String == "cancelled")
        #expect(names(in: spool + "/out/cancel-me").filter { $0.hasSuffix(".png") }.count < 200)

        // Still serving; SIGHUP makes the next job use a newly published version.
        let v2 = try TinyModel.publish(into: fixture.zoo, seed: 2)
        daemon.signal(SIGHUP)
        usleep(300_000)
        try drop(#"{"schema": 1, "model": "fashion-mnist/teacher", "count": 1, "steps": 1}"#, id: "after-reload", spool: spool)
        #expect(waitUntil(timeout: 30) { FileManager.default.fileExists(atPath: spool + "/done/after-reload.json") })
        #expect(fixture.json(spool + "/out/after-reload/result.json")["modelDigest"] as? String == v2.blob.description)

        daemon.signal(SIGTERM)
        let finished = daemon.wait()
        #expect(finished.status == 0, "\(finished.error)")
        #expect(finished.error.contains("job=sneakers") && finished.error.contains("stopped"))
    }

    @Test func sigtermRequeuesTheRunningJobAndSystemdHearsEveryState() throws {
        let fixture = try DaemonFixture()
        let manager = try FakeServiceManager(name: fixture.root.file("notify"))
        let daemon = try fixture.start(["--batch-size", "2"], environment: ["NOTIFY_SOCKET": manager.name, "WATCHDOG_USEC": "400000"])
        try drop(#"{"schema": 1, "model": "fashion-mnist/teacher", "count": 64, "steps": 60}"#, id: "slow", spool: fixture.spool)
        #expect(waitUntil(timeout: 30) { FileManager.default.fileExists(atPath: fixture.spool + "/work/slow.progress.json") })
        usleep(700_000)  // the status reporter samples every 0.5 s
        daemon.signal(SIGTERM)
        var messages: [String] = []
        while let message = manager.receive() {
            messages.append(message)
            if message.contains("STOPPING=1") { break }
        }
        let finished = daemon.wait()
        #expect(finished.status == 0, "\(finished.error)")
        #expect(FileManager.default.fileExists(atPath: fixture.spool + "/new/slow.json"), "the job was not given back")
        #expect(!FileManager.default.fileExists(atPath: fixture.spool + "/work/slow.lease.json"))
        #expect(finished.error.contains("requeued"))
        func first(_ text: String) -> Int { messages.firstIndex { $0.contains(text) } ?? Int.max }
        #expect(messages.first?.hasPrefix("READY=1\nSTATUS=") == true, "\(messages)")
        #expect(first("READY=1") < first("STATUS=rendering job=slow"))
        #expect(first("STATUS=rendering job=slow") < first("STOPPING=1") && first("WATCHDOG=1") < first("STOPPING=1"), "\(messages)")
        #expect(first("STOPPING=1") != Int.max)
    }
}
