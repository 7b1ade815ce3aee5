// One spool shared through real network mounts on loopback addresses, as hosts would share it:
// GlusterFS (one volume, two mounts) and sshfs (one export, two mounts) each carry three kacd
// workers through 200 jobs with random kill -9 and SIGTERM (`scripts/spool-soak`), and every job
// must end exactly once, none lost, no image in another job's directory. rclone's FUSE mount (an
// object store's semantics: no hard links, no exclusive rename) must be refused with exit 78 by
// `kac submit` and `kacd`, and `kac status` must say why. `scripts/spool-mounts` starts and stops
// everything by pid; without FUSE, root or a tool, the tests are skipped with the reason.
import Foundation
import Glibc
import TestSupport
import Testing

enum Mounts {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let script = repository + "/scripts/spool-mounts"
    static let soak = repository + "/scripts/spool-soak"

    /// Nil when mounts can be made here; else `scripts/spool-mounts check`'s sentence.
    static let missing: String? = {
        let result = spawn(script, ["check"], in: NSTemporaryDirectory())
        return result.status == 0 ? nil : result.error.trimmingCharacters(in: .whitespacesAndNewlines)
    }()
    static let skipReason = Comment(rawValue: missing ?? "")

    /// Runs `path` with posix_spawn and waitpid, its output in files: the mount daemons it starts
    /// outlive it, and Foundation's `Process` was seen never to notice such a script's exit.
    struct Spawned {
        var status: Int32
        var output: String
        var error: String
    }

    static func spawn(_ path: String, _ arguments: [String], in directory: String) -> Spawned {
        let out = directory + "/spawn-\(UInt32.random(in: 0...UInt32.max))"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, out + ".out", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, out + ".err", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, path, &actions, nil, argv, environ) == 0 else {
            return Spawned(status: 127, output: "", error: "cannot start \(path)")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        let text = { (suffix: String) in (try? String(contentsOfFile: out + suffix, encoding: .utf8)) ?? "" }
        let code = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Spawned(status: code, output: text(".out"), error: text(".err"))
    }

    /// Mounts `kind` in a fresh temporary directory, runs `body` with the mount points, and stops
    /// everything again whatever `body` does.
    static func with(_ kind: String, _ body: ([String]) throws -> Void) throws {
        let directory = TemporaryDirectory(prefix: "kac-\(kind)")
        let logs = TemporaryDirectory(prefix: "kac-\(kind)-logs")
        let started = spawn(script, ["start", kind, directory.path], in: logs.path)
        defer { _ = spawn(script, ["stop", directory.path], in: logs.path) }
        try #require(started.status == 0, "spool-mounts start \(kind): \(started.error)")
        let mounts = started.output.split(separator: "\n").map(String.init)
        try body(mounts)
    }

    /// The soak on `spools` (paths of one spool through different mounts); its counts.
    static func soak(_ spools: [String]) throws -> (status: Int32, counts: [String: Any], error: String) {
        let binaries = (ChildProcess.builtProduct("kacd") as NSString).deletingLastPathComponent
        var arguments = [
            "--workers", "3", "--jobs", "200", "--kills", "24", "--kill-interval", "0.4", "--images", "1", "--json",
            "--bin", binaries, "--timeout", "300",
        ]
        for spool in spools { arguments += ["--spool", spool] }
        let logs = TemporaryDirectory(prefix: "kac-soak-logs")
        let result = spawn(soak, arguments, in: logs.path)
        let counts = (try? JSONSerialization.jsonObject(with: Data(result.output.utf8))) as? [String: Any] ?? [:]
        return (result.status, counts, result.error)
    }
}

@Suite(.serialized, .enabled(if: Mounts.missing == nil, Mounts.skipReason)) struct SharedSpoolTests {
    @Test(arguments: ["gluster", "sshfs"])
    func everyJobEndsOnceThroughTwoMountsWithKills(kind: String) throws {
        try Mounts.with(kind) { mounts in
            try #require(mounts.count == 2, "\(mounts)")
            let name = "spool-\(UInt32.random(in: 0...UInt32.max))"
            let (status, counts, error) = try Mounts.soak(mounts.map { $0 + "/" + name })
            #expect(status == 0, "spool-soak exited \(status): \(error)\n\(counts)")
            #expect(counts["submitted"] as? Int == 200, "\(counts)\n\(error)")
            #expect(counts["done"] as? Int == 200, "\(counts)\n\(error)")
            #expect(counts["lost"] as? Int == 0)
            #expect(counts["rendered more than once (completed twice)"] as? Int == 0)
            #expect(counts["images in another job's directory"] as? Int == 0)
            #expect(counts["records replaced"] as? Int == 0)
            let kills = counts["kills"] as? [String: Int] ?? [:]
            #expect(kills.values.reduce(0, +) == 24, "\(kills)")
        }
    }

    @Test func anObjectStoreMountIsRefusedWithItsReason() throws {
        try Mounts.with("rclone") { mounts in
            let spool = try #require(mounts.first) + "/spool"
            let submit = try ChildProcess.run(
                ChildProcess.builtProduct("kac"), ["submit", "--spool", spool, "--create", "--quality", "fastest", "--count", "1"])
            #expect(submit.status == 78, "\(submit.output) \(submit.error)")
            #expect(submit.error.contains("fuse.rclone") && submit.error.contains("lacks"), "\(submit.error)")
            let kacd = try ChildProcess.run(
                ChildProcess.builtProduct("kacd"), ["--spool", spool, "--zoo", Mounts.repository + "/zoo", "--once"])
            #expect(kacd.status == 78, "\(kacd.error)")
            #expect(kacd.error.contains("fuse.rclone") && kacd.error.contains("lacks"), "\(kacd.error)")
            #expect(kacd.error.split(separator: "\n").count == 1, "one line: \(kacd.error)")
            let status = try ChildProcess.run(ChildProcess.builtProduct("kac"), ["status", "--spool", spool])
            #expect(status.output.contains("filesystem: unsafe: fuse.rclone"), "\(status.output) \(status.error)")
            #expect(!FileManager.default.fileExists(atPath: spool + "/.kac-probe") || names(spool + "/.kac-probe").isEmpty)
        }
    }

    func names(_ path: String) -> [String] { (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] }
}

/// The short form of the fault soak on a local spool, which needs neither root nor FUSE: kills,
/// repeated ids, hostile files and symlink swaps of out/<id> and out/, and every job ends once.
@Suite(.serialized) struct LocalSoakTests {
    @Test func theShortSoakEndsEveryJobOnce() throws {
        let binaries = (ChildProcess.builtProduct("kacd") as NSString).deletingLastPathComponent
        let logs = TemporaryDirectory(prefix: "kac-soak-logs")
        let result = Mounts.spawn(
            Mounts.soak,
            ["--workers", "2", "--jobs", "40", "--kills", "10", "--kill-interval", "0.3", "--hostile", "--json", "--bin", binaries, "--timeout", "120"], in: logs.path)
        let counts = (try? JSONSerialization.jsonObject(with: Data(result.output.utf8))) as? [String: Any] ?? [:]
        #expect(result.status == 0, "spool-soak exited \(result.status): \(result.error)\n\(result.output)")
        // A job whose out/<id> the soak swapped for a symlink before its claim fails (output-unavailable):
        // that is the daemon refusing to follow it. Every other submitted job renders.
        let sabotaged = counts["submitted jobs whose out/<id> the soak replaced by a symlink"] as? Int ?? -1
        #expect(counts["submitted"] as? Int == 40 && (counts["done"] as? Int ?? 0) + sabotaged == 40, "\(counts)")
        #expect(counts["failed (submitted jobs) not explained by that"] as? Int == 0, "\(counts)")
        #expect(counts["lost"] as? Int == 0 && counts["files written outside the spool"] as? Int == 0)
        #expect(counts["records replaced"] as? Int == 0 && counts["stray temporaries at the end (out/)"] as? Int == 0)
    }
}
