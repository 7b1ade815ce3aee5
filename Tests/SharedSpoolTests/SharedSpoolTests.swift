// One spool shared through real network mounts on loopback addresses, as hosts would share it:
// GlusterFS (one volume, two mounts) and sshfs (one export, two mounts) each carry three kacd
// workers through 200 jobs with random kill -9 and SIGTERM (`scripts/spool-soak`), and every job
// must end exactly once, none lost, no image in another job's directory. rclone's FUSE mount (an
// object store's semantics: no hard links, no exclusive rename) must be refused with exit 78 by
// `kac submit` and `kacd`, and `kac status` must say why. `scripts/spool-mounts` starts and stops
// everything by pid; without FUSE, root or a tool, the tests are skipped with the reason.
import Foundation
import TestSupport
import Testing

enum Mounts {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let script = repository + "/scripts/spool-mounts"
    static let soak = repository + "/scripts/spool-soak"

    /// Nil when mounts can be made here; else `scripts/spool-mounts check`'s sentence.
    static let missing: String? = {
        guard let result = try? ChildProcess.run(script, ["check"]) else { return "cannot run \(script)" }
        return result.status == 0 ? nil : result.error.trimmingCharacters(in: .whitespacesAndNewlines)
    }()
    static let skipReason = Comment(rawValue: missing ?? "")

    /// Mounts `kind` in a fresh temporary directory, runs `body` with the mount points, and stops
    /// everything again whatever `body` does.
    static func with(_ kind: String, _ body: ([String]) throws -> Void) throws {
        let directory = TemporaryDirectory(prefix: "kac-\(kind)")
        let started = try ChildProcess.run(script, ["start", kind, directory.path])
        defer { _ = try? ChildProcess.run(script, ["stop", directory.path]) }
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
        let result = try ChildProcess.run(soak, arguments)
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
            #expect(counts["submitted"] as? Int == 200, "\(counts)")
            #expect(counts["done"] as? Int == 200, "\(counts)")
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
                ChildProcess.builtProduct("kac"), ["submit", "--spool", spool, "--quality", "fastest", "--count", "1"])
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
