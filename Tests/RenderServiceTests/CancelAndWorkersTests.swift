// A real kacd as an operator watches it: its record in workers/ makes `kac status` show a live
// worker while the queue is idle; a job's progress moves within a batch (sampler steps); `kac
// cancel` stops the batch in flight instead of letting it finish, and the daemon logs it; a clean
// exit removes the worker record.
import Foundation
import Glibc
import TestSupport
import Testing

@Suite(.serialized) struct CancelAndWorkersTests {
    @Test func cancelStopsTheBatchInFlightAndStatusShowsTheWorker() throws {
        let fixture = try DaemonFixture()
        // One batch of 64 images (4 slot groups × 1000 steps): per-batch cancellation would let it finish.
        let daemon = try fixture.start(["--worker-id", "w-cancel", "--batch-size", "64", "--lease-timeout", "6"])
        let record = fixture.spool + "/workers/w-cancel.json"
        #expect(waitUntil(timeout: 60) { FileManager.default.fileExists(atPath: record) })
        let idle = try Child.run(Binaries.kac, ["status", "--spool", fixture.spool], logDirectory: fixture.root.path)
        #expect(idle.status == 0 && idle.output.contains("  w-cancel alive heartbeat") && idle.output.contains(", idle"), "\(idle.output)")

        try drop(#"{"schema": 1, "model": "fashion-mnist/teacher", "count": 64, "steps": 1000}"#, id: "one-batch", spool: fixture.spool)
        let progress = fixture.spool + "/work/one-batch.progress.json"
        #expect(waitUntil(timeout: 60) { (fixture.json(progress)["batchStep"] as? Int ?? 0) > 0 }, "progress within the batch")
        #expect(fixture.json(progress)["completed"] as? Int == 0)
        let busy = try Child.run(Binaries.kac, ["status", "one-batch", "--spool", fixture.spool], logDirectory: fixture.root.path)
        #expect(busy.output.contains("worker: w-cancel") && busy.output.contains("batch of 64 at step"), "\(busy.output)")

        let cancel = try Child.run(Binaries.kac, ["cancel", "one-batch", "--spool", fixture.spool], logDirectory: fixture.root.path)
        #expect(cancel.status == 0 && cancel.output.contains("before its next sampler step"), "\(cancel.output)")
        #expect(waitUntil(timeout: 60) { FileManager.default.fileExists(atPath: fixture.spool + "/failed/one-batch.json") })
        #expect(fixture.json(fixture.spool + "/failed/one-batch.error.json")["code"] as? String == "cancelled")
        #expect(!FileManager.default.fileExists(atPath: fixture.spool + "/done/one-batch.json"))
        #expect(names(in: fixture.spool + "/out/one-batch").filter { $0.hasSuffix(".png") }.isEmpty, "the batch in flight is dropped")
        // The spool removes the empty directory just after the move into failed/, so give it a moment.
        #expect(
            waitUntil(timeout: 10) { !FileManager.default.fileExists(atPath: fixture.spool + "/out/one-batch") },
            "no empty out/<id>/ is left")

        daemon.signal(SIGTERM)
        let finished = daemon.wait()
        #expect(finished.status == 0, "\(finished.error)")
        #expect(finished.error.contains("Job one-batch was cancelled by kac cancel before it wrote any image."), "\(finished.error)")
        #expect(finished.error.components(separatedBy: "cancelled by kac cancel").count == 2, "logged once:\n\(finished.error)")
        #expect(!FileManager.default.fileExists(atPath: record), "a clean exit removes the worker record")
    }
}
