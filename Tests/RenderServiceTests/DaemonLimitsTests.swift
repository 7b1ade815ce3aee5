// Limits in the daemon and the full disk: a job whose work is known only once kacd has the model's
// own steps is failed naming max-work; a job that renders past job-time-limit is stopped and
// failed as limit-exceeded with its images kept; and a disk that fills up mid-render sends the
// job back to new/ with its images kept (the log names the write that failed), and the job
// finishes from them once space returns (a small tmpfs, root only).
import Foundation
import Glibc
import TestSupport
import Testing

@Suite(.serialized) struct DaemonLimitsTests {
    @Test func workAndTimeLimitsFailJobsNamingTheSetting() throws {
        let fixture = try DaemonFixture()
        let daemon = try fixture.start(["--worker-id", "w-limits", "--max-work", "10", "--job-time-limit", "2", "--batch-size", "16"])
        // No steps in the file: the tiny teacher's own 2 Euler steps × 6 images = 12 > 10.
        try drop(#"{"schema": 1, "model": "fashion-mnist/teacher", "count": 6}"#, id: "heavy", spool: fixture.spool)
        #expect(waitUntil(timeout: 60) { fixture.failedJobs().contains("heavy.json") })
        let heavy = fixture.json(fixture.spool + "/failed/heavy.error.json")
        #expect(heavy["code"] as? String == "invalid-job" && heavy["field"] as? String == "count", "\(heavy)")
        #expect((heavy["reason"] as? String)?.contains("12 images × network evaluations") == true, "\(heavy)")
        #expect((heavy["reason"] as? String)?.contains("max-work") == true)
        daemon.signal(SIGTERM)
        _ = daemon.wait()

        // A long job under a 2 s limit (and a work limit that lets it through).
        let slow = try fixture.start(["--worker-id", "w-time", "--job-time-limit", "2", "--max-work", "1000000", "--batch-size", "16"])
        try drop(#"{"schema": 1, "model": "fashion-mnist/teacher", "count": 64, "steps": 1000}"#, id: "long", spool: fixture.spool)
        #expect(waitUntil(timeout: 120) { fixture.failedJobs().contains("long.json") })
        let long = fixture.json(fixture.spool + "/failed/long.error.json")
        #expect(long["code"] as? String == "limit-exceeded", "\(long)")
        #expect((long["reason"] as? String)?.contains("time limit of 2 s") == true && (long["reason"] as? String)?.contains("job-time-limit") == true)
        slow.signal(SIGTERM)
        #expect(slow.wait().status == 0)
    }

    @Test(.enabled(if: getuid() == 0, "mounting the small tmpfs needs root"))
    func aFullDiskRequeuesAndTheJobFinishesWhenSpaceReturns() throws {
        let root = TemporaryDirectory(prefix: "kacd-diskfull")
        let disk = root.file("disk")
        try FileManager.default.createDirectory(atPath: disk, withIntermediateDirectories: true)
        let mount = try ChildProcess.run("/bin/mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", disk])
        try #require(mount.status == 0, "mount: \(mount.error)")
        defer { _ = try? ChildProcess.run("/bin/umount", [disk]) }
        let spool = disk + "/spool"
        try makeSpool(spool)
        try TinyModel.publish(into: root.file("zoo"))
        try drop(#"{"schema": 1, "model": "fashion-mnist/teacher", "count": 64, "seed": 3}"#, id: "big", spool: spool)
        // Room for the claim's records and one batch of 16 images (4 KiB blocks), not for two.
        let reserve = disk + "/reserve"
        try Data(count: 112 << 10).write(to: URL(fileURLWithPath: reserve))
        let filler = disk + "/filler"
        _ = FileManager.default.createFile(atPath: filler, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: filler))
        let block = Data(count: 4096)
        while (try? handle.write(contentsOf: block)) != nil {}
        try? handle.close()
        try FileManager.default.removeItem(atPath: reserve)
        let daemon = try Child(
            Binaries.kacd, ["--spool", spool, "--zoo", root.file("zoo"), "--worker-id", "w-full", "--poll-interval", "0.3", "--batch-size", "16"],
            logDirectory: root.path)
        #expect(waitUntil(timeout: 60) { text(root.path).contains("Disk full while rendering job big") }, "\(text(root.path))")
        #expect(waitUntil(timeout: 10) { FileManager.default.fileExists(atPath: spool + "/new/big.json") })
        let kept = names(in: spool + "/out/big").filter { $0.hasSuffix(".png") }
        #expect(!kept.isEmpty && kept.count < 64, "kept \(kept.count) images")
        #expect(!FileManager.default.fileExists(atPath: spool + "/failed/big.json"))
        try FileManager.default.removeItem(atPath: filler)  // space returns
        #expect(waitUntil(timeout: 120) { FileManager.default.fileExists(atPath: spool + "/done/big.json") }, "\(text(root.path))")
        #expect(names(in: spool + "/out/big").filter { $0.hasSuffix(".png") }.count == 64)
        daemon.signal(SIGTERM)
        let log = daemon.wait()
        #expect(log.error.contains("ENOSPC") || log.error.contains("No space left"), "the log names the failed write: \(log.error)")
        #expect(log.error.contains("kept"))
    }

    /// Everything the daemon logged so far (Child writes its stderr under the log directory).
    func text(_ directory: String) -> String {
        names(in: directory).filter { $0.hasSuffix(".err") || $0.hasSuffix(".log") || $0.contains("stderr") }
            .compactMap { FileManager.default.contents(atPath: directory + "/" + $0) }
            .map { String(decoding: $0, as: UTF8.self) }.joined(separator: "\n")
    }
}
