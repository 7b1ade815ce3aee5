// Figures for docs/performance.md ("Other benchmarks"), measured only when KAC_FIGURES=1 (timings are printed, never asserted):
// pickup latency (job renamed into new/ → claimed), jobs/s for one-image jobs, the daemon's
// resident memory with two full-size (§8 teacher-sized) models loaded, and `kac-bench render`.
// KAC_FIGURES_ZOO=PATH keeps the zoo of the two random full-size models for manual runs.
import Foundation
import Generation
import Glibc
import KacFlow
import ModelStore
import NeuralNet
import TensorCore
import TestSupport
import Testing
import Vocabulary

@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["KAC_FIGURES"] != nil))
struct FiguresTests {
    static func publishFullSize(into zoo: String) throws {
        let store = try ModelStore(root: zoo, create: true)
        for (name, kind, seed) in [("fashion-mnist/teacher", ModelKind.teacher, UInt64(1)), ("fashion-mnist/student", .student, 2)] {
            var random = RandomSource(seed: seed)
            let architecture = NetworkArchitecture.unet(.fashionMNIST)
            let network = architecture.makeNetwork(random: &random)
            try VelocityModelPublication(
                name: name, kind: kind, weights: network.parameters, architecture: architecture,
                path: KacPath.Configuration(),
                defaults: SamplingSettings(
                    integrator: kind == .teacher ? .heun : .euler, steps: kind == .teacher ? 50 : 2,
                    guidance: kind == .teacher ? 2 : 1)
            )
            .publish(to: store, dtype: .f16, tags: [])
        }
    }

    @Test func daemonFigures() throws {
        let fixture = try DaemonFixture()
        let zoo = ProcessInfo.processInfo.environment["KAC_FIGURES_ZOO"] ?? fixture.root.file("full-zoo")
        if !FileManager.default.fileExists(atPath: zoo + "/zoo.json") { try Self.publishFullSize(into: zoo) }
        let daemon = try Child(
            Binaries.kacd, ["--spool", fixture.spool, "--zoo", zoo, "--log-level", "warning"], logDirectory: fixture.root.path)
        usleep(500_000)
        func job(_ id: String, model: String = "fashion-mnist/teacher") -> String {
            #"{"schema": 1, "model": "\#(model)", "count": 1, "steps": 1, "guidance": 1}"#
        }
        // Pickup latency: one job at a time on an idle daemon.
        var latencies: [Double] = []
        for index in 0..<20 {
            let id = "latency-\(index)"
            try Data(job(id).utf8).write(to: URL(fileURLWithPath: fixture.spool + "/tmp/\(id).json"))
            let dropped = Date()
            rename(fixture.spool + "/tmp/\(id).json", fixture.spool + "/new/\(id).json")
            waitUntil(timeout: 30) { FileManager.default.fileExists(atPath: fixture.spool + "/done/\(id).json") }
            let result = fixture.json(fixture.spool + "/out/\(id)/result.json")
            if let text = result["claimedAt"] as? String,
                let claimed = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
            {
                latencies.append(claimed.timeIntervalSince(dropped) * 1000)
            }
        }
        latencies.sort()
        // Throughput: 100 one-image, one-step jobs queued at once.
        let started = Date()
        for index in 0..<100 { try drop(job("burst-\(index)"), id: "burst-\(index)", spool: fixture.spool) }
        waitUntil(timeout: 300) { names(in: fixture.spool + "/done").filter { $0.hasPrefix("burst-") }.count == 100 }
        let jobsPerSecond = 100 / Date().timeIntervalSince(started)
        // Resident memory with both models loaded.
        try drop(job("student", model: "fashion-mnist/student"), id: "student", spool: fixture.spool)
        waitUntil(timeout: 30) { FileManager.default.fileExists(atPath: fixture.spool + "/done/student.json") }
        let status = (try? String(contentsOfFile: "/proc/\(daemon.pid)/status", encoding: .utf8)) ?? ""
        let rss = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }.map(String.init) ?? "VmRSS: unknown"
        daemon.signal(SIGTERM)
        _ = daemon.wait()
        print(
            String(
                format: "FIGURE pickup latency (rename into new/ → claimed, inotify, idle daemon, 20 jobs): median %.1f ms, max %.1f ms",
                latencies[latencies.count / 2], latencies.last ?? 0))
        print(String(format: "FIGURE throughput: %.1f jobs/s (100 jobs of 1 image, 1 step, full-size UNet, one worker)", jobsPerSecond))
        print(
            "FIGURE daemon resident memory with two full-size models loaded: \(rss.split(separator: ":").last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "")"
        )

        let bench = try Child.run(
            ChildProcess.builtProduct("kac-bench"), ["render", "--zoo", zoo, "--model", "fashion-mnist/teacher", "--count", "16"],
            logDirectory: fixture.root.path)
        print("FIGURE kac-bench render (random full-size teacher, 16 images per row):\n" + bench.output + bench.error)
    }
}
