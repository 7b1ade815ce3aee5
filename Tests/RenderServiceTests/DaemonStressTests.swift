// The daemon under abuse: a thousand generated job files (mostly invalid), kill -9 in the middle
// of a job followed by another worker finishing it byte-identically, and four workers killed and
// restarted at random while they share 200 jobs.
import Foundation
import Glibc
import TestSupport
import Testing

@Suite(.serialized) struct DaemonStressTests {
    @Test func aThousandGeneratedFilesAllEndInDoneOrFailed() throws {
        let fixture = try DaemonFixture()
        var random = SystemRandomNumberGenerator()
        let fragments = [
            #""schema": 1"#, #""schema": 2"#, #""model": "fashion-mnist/teacher""#, #""model": "../x""#, #""quality": "best""#,
            #""count": 1"#, #""count": -1"#, #""count": 1e999"#, #""steps": 1"#, #""labels": ["bag"]"#, #""labels": [99]"#,
            #""format": "gif""#, #""scale": 1000"#, #""seed": "x""#, #""grid": 1"#, #""extra": null"#, #""id": "..""#,
        ]
        var ids: [String] = []
        for index in 0..<1000 {
            let id = String(format: "fuzz-%04d", index)
            let body: [UInt8]
            switch index % 10 {
            case 0:  // valid and cheap
                body = Array(#"{"schema": 1, "model": "fashion-mnist/teacher", "count": 1, "steps": 1, "seed": \#(index)}"#.utf8)
            case 1:  // random bytes
                body = (0..<Int.random(in: 0...300, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            case 2:  // truncated valid job
                let valid = Array(#"{"schema": 1, "model": "fashion-mnist/teacher", "count": 1, "steps": 1}"#.utf8)
                body = Array(valid.prefix(Int.random(in: 0..<valid.count, using: &random)))
            default:  // random mixes of good and bad fields
                let fields = (0..<Int.random(in: 0...6, using: &random)).map { _ in fragments.randomElement(using: &random) ?? "" }
                body = Array(("{" + fields.joined(separator: ", ") + "}").utf8)
            }
            try Data(body).write(to: URL(fileURLWithPath: fixture.spool + "/tmp/" + id + ".json"))
            #expect(rename(fixture.spool + "/tmp/" + id + ".json", fixture.spool + "/new/" + id + ".json") == 0)
            ids.append(id)
        }
        // Three workers drain it together (the spool's fsyncs dominate; they overlap).
        let runs = try (0..<3).map { worker in
            try Child(
                Binaries.kacd,
                [
                    "--spool", fixture.spool, "--zoo", fixture.zoo, "--once", "--settle-period", "0",
                    "--log-level", "warning", "--worker-id", "fuzz\(worker)",
                ], logDirectory: fixture.root.path)
        }
        for run in runs.map({ $0.wait() }) { #expect(run.status == 0, "\(run.error.suffix(2000))") }
        let done = Set(names(in: fixture.spool + "/done").map { String($0.dropLast(5)) })
        let failed = Set(fixture.failedJobs().map { String($0.dropLast(5)) })
        #expect(done.count + failed.count == 1000 && done.isDisjoint(with: failed))
        #expect(
            ids.allSatisfy { done.contains($0) || failed.contains($0) },
            "missing: \(ids.filter { !done.contains($0) && !failed.contains($0) }.prefix(5))")
        #expect(done.count >= 100 && names(in: fixture.spool + "/new").isEmpty && names(in: fixture.spool + "/work").isEmpty)
        for id in failed { #expect(FileManager.default.fileExists(atPath: fixture.spool + "/failed/\(id).error.json")) }
    }

    static let slowJob =
        #"{"schema": 1, "model": "fashion-mnist/teacher", "count": 24, "steps": 40, "guidance": 2, "seed": 11, "grid": true}"#

    @Test func killNineMidJobThenAnotherWorkerFinishesItByteIdentically() throws {
        let reference = try DaemonFixture()
        try drop(Self.slowJob, id: "slow", spool: reference.spool)
        #expect(
            try Child.run(
                Binaries.kacd, ["--spool", reference.spool, "--zoo", reference.zoo, "--once", "--batch-size", "4"],
                logDirectory: reference.root.path
            ).status == 0)

        let fixture = try DaemonFixture()
        try drop(Self.slowJob, id: "slow", spool: fixture.spool)
        let victim = try fixture.start(["--worker-id", "victim", "--batch-size", "4"])
        let out = fixture.spool + "/out/slow"
        #expect(waitUntil(timeout: 60) { names(in: out).filter { $0.hasSuffix(".png") }.count >= 8 })
        victim.signal(SIGKILL)
        _ = victim.wait()
        #expect(FileManager.default.fileExists(atPath: fixture.spool + "/work/slow.json"), "the job finished before the kill")
        let rescuer = try Child.run(
            Binaries.kacd,
            [
                "--spool", fixture.spool, "--zoo", fixture.zoo, "--once", "--worker-id", "rescuer",
                "--batch-size", "16",
            ], logDirectory: fixture.root.path)
        #expect(rescuer.status == 0 && rescuer.error.contains("Recovered abandoned job"), "\(rescuer.error)")
        let expected = names(in: reference.spool + "/out/slow").filter { $0 != "result.json" && !$0.hasPrefix(".") }
        #expect(expected.count == 25 && names(in: out).filter { $0 != "result.json" && !$0.hasPrefix(".") } == expected)
        for name in expected { #expect(bytes(out + "/" + name) == bytes(reference.spool + "/out/slow/" + name), "\(name) differs") }
        let render = fixture.json(out + "/result.json")["render"] as? [String: Any]
        #expect((render?["rendered"] as? Int ?? 24) < 24, "nothing was resumed")
        #expect(fixture.json(out + "/result.json")["attempt"] as? Int == 2)
    }

    @Test func fourWorkersWithRandomKillsFinishTwoHundredJobsExactlyOnce() throws {
        let fixture = try DaemonFixture()
        for index in 0..<200 {
            try drop(
                #"{"schema": 1, "model": "fashion-mnist/teacher", "count": \#(1 + index % 3), "steps": 2, "seed": \#(index)}"#,
                id: "job-\(index)", spool: fixture.spool)
        }
        let arguments = ["--lease-timeout", "3", "--max-attempts", "50", "--log-level", "warning"]
        var workers = try (0..<4).map { try fixture.start(arguments + ["--worker-id", "w\($0)"]) }
        var kills = 0
        let deadline = Date(timeIntervalSinceNow: 50)
        while names(in: fixture.spool + "/done").count < 200, Date() < deadline {
            usleep(UInt32.random(in: 150_000...400_000))
            let victim = Int.random(in: 0..<4)
            workers[victim].signal(SIGKILL)
            _ = workers[victim].wait()
            kills += 1
            workers[victim] = try fixture.start(arguments + ["--worker-id", "w\(victim)-\(kills)"])
        }
        // Kills stop after 50 s; on a loaded machine the survivors then finish the rest.
        #expect(
            waitUntil(timeout: 300) { names(in: fixture.spool + "/done").count >= 200 },
            "\(names(in: fixture.spool + "/done").count) of 200 jobs done 300 s after the last kill")
        usleep(500_000)  // let the last restarted workers install their signal handlers
        for worker in workers { worker.signal(SIGTERM) }
        for worker in workers { #expect(worker.wait().status == 0) }
        let done = names(in: fixture.spool + "/done")
        #expect(done.count == 200 && fixture.failedJobs().isEmpty, "kills: \(kills)")
        // A kill between finishing and deleting the lease leaves orphaned sidecars; recovery removes them.
        usleep(200_000)
        #expect(
            try Child.run(
                Binaries.kacd, ["--spool", fixture.spool, "--zoo", fixture.zoo, "--once", "--lease-timeout", "0.1"],
                logDirectory: fixture.root.path
            ).status == 0)
        // Only stray temporaries of killed atomic writes may remain in work/ (dotfiles, never read).
        #expect(names(in: fixture.spool + "/work").filter { !$0.hasPrefix(".") }.isEmpty, "\(names(in: fixture.spool + "/work"))")
        for index in 0..<200 {
            let out = fixture.spool + "/out/job-\(index)"
            let images = names(in: out).filter { $0.hasSuffix(".png") }
            #expect(images.count == 1 + index % 3 && names(in: out).contains("result.json"), "job-\(index): \(names(in: out))")
        }
        print("contention: 4 workers, 200 jobs, \(kills) kill -9s")
    }
}
