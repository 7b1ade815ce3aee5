// `kac submit`, `status`, `cancel`, `prune` and `train` as an operator meets them: one exit-code
// table (docs/operating.md, "Exit codes": 64 usage, 65 bad data, 66 not found, 69 refused, 73 cannot create),
// negative numbers without '=', the queue in run order, one job's record, a lease whose worker was
// killed shown as expired, retention, and `kac train` refusing to resume with other options.
import Foundation
import Glibc
import TestSupport
import Testing

@Suite struct JobCommandsTests {
    static let kac = ChildProcess.builtProduct("kac")

    func kac(_ arguments: [String]) throws -> ProcessResult { try ChildProcess.run(Self.kac, arguments) }

    @Test func everyJobCommandUsesTheExitCodeTable() throws {
        let directory = TemporaryDirectory(prefix: "kac-cli-exit")
        let spool = directory.path + "/spool"
        let missing = try kac(["status", "--spool", directory.path + "/nowhere"])
        #expect(missing.status == 66 && missing.error.contains("is not a usable spool"), "\(missing.status) \(missing.error)")
        #expect(!missing.error.contains("`kac submit --spool"), "the advice must be a command that works: \(missing.error)")

        let negative = try kac(["submit", "--quality", "fastest", "--count", "-3", "--spool", spool, "--create"])
        #expect(negative.status == 64 && negative.error.contains("count") && !negative.error.contains("Missing value"), "\(negative.error)")
        let low = try kac(["submit", "--quality", "fastest", "--priority", "-5", "--id", "low", "--spool", spool, "--create"])
        #expect(low.status == 0 && low.output == "low\n", "\(low.status) \(low.error)")
        let detail = try kac(["status", "low", "--json", "--spool", spool])
        #expect(detail.status == 0 && detail.output.contains("\"priority\" : -5"), "\(detail.output)")

        let taken = try kac(["submit", "--quality", "fastest", "--id", "low", "--spool", spool])
        #expect(taken.status == 73 && taken.error.contains("already exists"), "\(taken.error)")
        let badFile = directory.path + "/bad.json"
        try Data(#"{"schema": 1, "quality": "fastest", "count": 0}"#.utf8).write(to: URL(fileURLWithPath: badFile))
        let invalid = try kac(["submit", badFile, "--spool", spool])
        #expect(invalid.status == 65 && invalid.error.contains("count"), "\(invalid.status) \(invalid.error)")
        let absent = try kac(["submit", directory.path + "/absent.json", "--spool", spool])
        #expect(absent.status == 66, "\(absent.error)")

        #expect(try kac(["cancel", "nobody", "--spool", spool]).status == 66)
        #expect(try kac(["cancel", "../etc", "--spool", spool]).status == 64)
        #expect(try kac(["status", "nobody", "--spool", spool]).status == 66)
        let cancelled = try kac(["cancel", "low", "--spool", spool])
        #expect(cancelled.status == 0 && cancelled.output.contains("cancelled (was queued"))
        let again = try kac(["cancel", "low", "--spool", spool])
        #expect(again.status == 69 && again.error.contains("already finished"), "\(again.status) \(again.error)")
    }

    @Test func renderOptionNamesNoLongerClash() throws {
        let directory = TemporaryDirectory(prefix: "kac-cli-render")
        let base = ["render", "--model", "m", "--count", "1", "--out", directory.path + "/out", "--zoo", directory.path + "/zoo"]
        let lossless = try kac(base + ["--format", "png", "--lossless"])
        #expect(lossless.status == 64 && lossless.error.contains("--lossless applies only to webp"), "\(lossless.error)")
        let both = try kac(base + ["--format", "webp", "--lossless", "--encode-quality", "80"])
        #expect(both.status == 64 && both.error.contains("no effect with --lossless"), "\(both.error)")
        let old = try kac(base + ["--format", "jpeg", "--quality", "80"])
        #expect(old.status == 64 && old.error.contains("--encode-quality"), "\(old.error)")
        // The model is looked up before the count is judged (66 here); what matters is that "-2" is read as the value.
        let negative = try kac([
            "render", "--model", "m", "--count", "-2", "--out", directory.path + "/out", "--zoo", directory.path + "/zoo",
        ])
        #expect(!negative.error.contains("Missing value") && !negative.error.contains("Unknown option"), "\(negative.error)")
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/out"), "nothing is written for a refused request")
    }

    @Test func statusShowsTheQueueInRunOrderAndAKilledWorkersLeaseAsExpired() throws {
        let directory = TemporaryDirectory(prefix: "kac-cli-status")
        let spool = directory.path + "/spool"
        for (id, priority) in [("first", "0"), ("urgent", "9"), ("second", "0")] {
            #expect(
                try kac(["submit", "--quality", "fastest", "--count", "2", "--priority", priority, "--id", id, "--spool", spool, "--create"]).status
                    == 0)
            usleep(20_000)  // distinct mtimes: older runs first within a priority
        }
        // A job held by a worker that was killed (kill -9): its pid no longer runs on this host.
        let dead = Process()
        dead.executableURL = URL(fileURLWithPath: "/bin/true")
        try dead.run()
        dead.waitUntilExit()
        #expect(rename(spool + "/new/second.json", spool + "/work/second.json") == 0)
        let now = Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, 255)
        let host = String(cString: buffer)
        let lease = """
            {"schema": 1, "jobID": "second", "worker": {"id": "w-killed", "host": "\(host)", "pid": \(dead.processIdentifier)},
             "token": "t", "attempt": 1, "claimedAt": "\(now)", "heartbeatAt": "\(now)", "timeout": 120}
            """
        try Data(lease.utf8).write(to: URL(fileURLWithPath: spool + "/work/second.lease.json"))

        let status = try kac(["status", "--spool", spool])
        #expect(status.status == 0)
        #expect(status.output.contains("workers: none has announced itself"), "\(status.output)")
        #expect(status.output.contains("second worker=w-killed attempt=1") && status.output.contains("LEASE EXPIRED"), "\(status.output)")
        let queued = status.output.components(separatedBy: "\n").filter { $0.hasPrefix("  1. ") || $0.hasPrefix("  2. ") }
        #expect(
            queued.count == 2 && queued[0].hasPrefix("  1. urgent priority=9 count=2 quality=fastest") && queued[1].hasPrefix("  2. first"),
            "\(status.output)")

        let job = try kac(["status", "second", "--spool", spool])
        #expect(job.status == 0 && job.output.hasPrefix("job second: running (work/)\n"), "\(job.output)")
        #expect(job.output.contains("abandoned: worker w-killed") && job.output.contains("attempts: 1"), "\(job.output)")
        let first = try kac(["status", "first", "--spool", spool])
        #expect(first.output.contains("queue position: 2"), "\(first.output)")

        // --watch on a finished job draws once and returns.
        #expect(try kac(["cancel", "first", "--spool", spool]).status == 0)
        let watched = try kac(["status", "first", "--watch", "--interval", "0.2", "--spool", spool])
        #expect(watched.status == 0 && watched.output.contains("reason: [cancelled] cancelled"), "\(watched.output)")
    }

    @Test func pruneRemovesFinishedJobsOnly() throws {
        let directory = TemporaryDirectory(prefix: "kac-cli-prune")
        let spool = directory.path + "/spool"
        for id in ["old-1", "old-2", "waiting"] {
            #expect(try kac(["submit", "--quality", "fastest", "--id", id, "--spool", spool, "--create"]).status == 0)
        }
        #expect(try kac(["cancel", "old-1", "--spool", spool]).status == 0)
        #expect(try kac(["cancel", "old-2", "--spool", spool]).status == 0)
        #expect(try kac(["prune", "--spool", spool]).status == 64)
        #expect(try kac(["prune", "--older-than", "soon", "--spool", spool]).status == 64)
        let dry = try kac(["prune", "--keep", "0", "--dry-run", "--spool", spool])
        #expect(
            dry.status == 0 && dry.output.contains("would remove failed/old-1")
                && dry.output.hasSuffix("would remove 2 finished job(s), 0 bytes; kept 0\n"), "\(dry.output)")
        let pruned = try kac(["prune", "--older-than", "0s", "--spool", spool])
        #expect(pruned.status == 0 && pruned.output.hasSuffix("removed 2 finished job(s), 0 bytes; kept 0\n"), "\(pruned.output)")
        let failed = (try? FileManager.default.contentsOfDirectory(atPath: spool + "/failed")) ?? ["?"]
        #expect(failed.isEmpty && FileManager.default.fileExists(atPath: spool + "/new/waiting.json"))
    }

    @Test func trainRefusesToResumeWithDifferentOptions() throws {
        let directory = TemporaryDirectory(prefix: "kac-cli-train")
        let run = directory.path + "/run"
        let common = ["train", "--run", run, "--steps", "2", "--batch-size", "16", "--checkpoint-every", "1", "--threads", "1"]
        let first = try kac(common + ["--data", "eight-gaussians", "--hidden-width", "16"])
        #expect(first.status == 0, "\(first.error)")
        let recipe = try String(contentsOfFile: run + "/recipe.json", encoding: .utf8)
        let changed = try kac(common + ["--data", "checkerboard", "--hidden-width", "64"])
        #expect(changed.status == 64, "\(changed.status) \(changed.error)")
        #expect(changed.error.contains("dataset: eight-gaussians in the run, checkerboard now"), "\(changed.error)")
        #expect(changed.error.contains("hiddenWidth: 16 in the run, 64 now") && changed.error.contains("--fresh"), "\(changed.error)")
        #expect(try String(contentsOfFile: run + "/recipe.json", encoding: .utf8) == recipe, "recipe.json is untouched")
        let extended = try kac([
            "train", "--run", run, "--steps", "3", "--batch-size", "16", "--checkpoint-every", "1", "--threads", "1", "--data",
            "eight-gaussians", "--hidden-width", "16",
        ])
        #expect(extended.status == 0 && extended.error.contains("resuming"), "only --steps may change: \(extended.error)")
        let fresh = try kac(common + ["--data", "checkerboard", "--hidden-width", "64", "--fresh"])
        #expect(fresh.status == 0, "\(fresh.error)")
    }

    /// Ctrl-C during `kac train` loses nothing: the step in flight finishes, the checkpoint is
    /// written at that step (not at the last --checkpoint-every), the exit is 75, and the same
    /// command resumes there.
    @Test func interruptingTrainingWritesTheCheckpoint() throws {
        let directory = TemporaryDirectory(prefix: "kac-cli-interrupt")
        let run = directory.path + "/run"
        let arguments = [
            "train", "--run", run, "--steps", "1000000", "--batch-size", "16", "--checkpoint-every", "1000000", "--threads", "1",
            "--data", "eight-gaussians", "--hidden-width", "16",
        ]
        let child = try ChildProcess.start(Self.kac, arguments)
        // Wait until training runs (the recipe is written just before the first step), then a while longer.
        let deadline = Date(timeIntervalSinceNow: 60)
        while !FileManager.default.fileExists(atPath: run + "/recipe.json"), Date() < deadline { usleep(50_000) }
        usleep(1_500_000)
        #expect(!FileManager.default.fileExists(atPath: run + "/checkpoint.safetensors"), "no periodic checkpoint yet")
        kill(child.pid, SIGINT)
        let result = child.wait()
        #expect(result.status == 75, "\(result.status) \(result.error)")
        let step = try #require(result.error.firstMatch(of: /interrupted after step (\d+);/).flatMap { Int($0.1) }, "\(result.error)")
        #expect(step > 0 && result.error.contains("run the same command again to resume"), "\(result.error)")
        var again = arguments
        again[4] = String(step + 1)  // --steps: one more than done, so the resumed run ends at once
        let resumed = try kac(again)
        #expect(resumed.status == 0 && resumed.error.contains("at step \(step) of \(step + 1)"), "\(resumed.error)")
    }
}
