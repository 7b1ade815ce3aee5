// Heartbeats on their own timer: while a slow model renders (one network evaluation of a batch
// takes seconds), the lease and the worker record are still refreshed every interval. Before,
// both were written only between sampler steps, so a slow step starved them and `kac status`
// called the only live worker stale. Gaps are measured from the heartbeat times kacd writes.
import Foundation
import Glibc
import NeuralNet
import TestSupport
import Testing

@Suite(.serialized) struct HeartbeatGapTests {
    /// Wide enough that one step of a 128-image batch takes seconds on one thread (3.4 s on a 2-core
    /// AMD EPYC, family 26; width 64 at 64 images took 0.75 s there, too close to the premise below).
    static let slowModel = UNetConfiguration(
        imageHeight: 28, imageWidth: 28, imageChannels: 1, baseWidth: 96, widthMultipliers: [1, 2],
        residualBlocksPerLevel: 2, attentionResolutions: [], attentionHeads: 1, groupCount: 8, classCount: 10)

    @Test func leaseAndRecordKeepTheirIntervalDuringASlowStep() throws {
        let root = TemporaryDirectory(prefix: "kacd-heartbeat")
        let spool = root.file("spool")
        try makeSpool(spool)
        try TinyModel.publish(into: root.file("zoo"), configuration: Self.slowModel)
        // Lease timeout 0.9 s: heartbeats every 0.3 s, the record every 0.3 s.
        let daemon = try Child(
            Binaries.kacd,
            [
                "--spool", spool, "--zoo", root.file("zoo"), "--worker-id", "w-slow", "--lease-timeout", "0.9", "--poll-interval",
                "0.3", "--threads", "1", "--batch-size", "128",
            ], logDirectory: root.path)
        try drop(#"{"schema": 1, "model": "fashion-mnist/teacher", "count": 128, "steps": 3}"#, id: "slow", spool: spool)
        var leaseBeats = Set<String>(), recordBeats = Set<String>()
        let done = spool + "/done/slow.json"
        let finished = waitUntil(timeout: 240) {
            if let lease = text(spool + "/work/slow.lease.json") { leaseBeats.formUnion(heartbeat(in: lease)) }
            if let record = text(spool + "/workers/w-slow.json"), record.contains("\"job\" : \"slow\"") {
                recordBeats.formUnion(heartbeat(in: record))
            }
            return FileManager.default.fileExists(atPath: done)
        }
        daemon.signal(SIGTERM)
        let log = daemon.wait()
        try #require(finished, "the job did not finish: \(log.error)")
        let result = try JSONSerialization.jsonObject(with: Data(bytes(spool + "/out/slow/result.json"))) as? [String: Any]
        let render = result?["render"] as? [String: Any]
        let timings = render?["timings"] as? [String: Any]
        let seconds = timings?["totalSeconds"] as? Double ?? 0
        // The model is slow: each of the 3 steps (one network evaluation of 128 images) takes longer
        // than three heartbeat intervals, so heartbeats written only between steps would show gaps
        // of a whole step.
        let step = seconds / 3
        #expect(step > 0.9, "a step took only \(step) s; the model is not slow enough to show starvation")
        for (name, beats) in [("lease", leaseBeats), ("worker record", recordBeats)] {
            let times = beats.compactMap { try? Date($0, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) }.sorted()
            let gaps = zip(times.dropFirst(), times).map { $0.timeIntervalSince($1) }
            #expect(times.count >= Int(seconds / 0.9), "\(name): \(times.count) heartbeats in \(seconds) s")
            // 0.3 s promised; four intervals leave room for a loaded machine, and the gap must be
            // well under one sampler step of this model (what step-bound heartbeats would show).
            #expect((gaps.max() ?? 0) < min(1.2, 0.6 * step), "\(name): longest gap \(gaps.max() ?? 0) s (step \(step) s), gaps \(gaps)")
        }
    }

    func text(_ path: String) -> String? { FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) } }

    /// The `"heartbeatAt" : "…"` value of a lease or worker record.
    func heartbeat(in json: String) -> [String] {
        guard let range = json.range(of: #""heartbeatAt" : ""#) else { return [] }
        let rest = json[range.upperBound...]
        return rest.firstIndex(of: "\"").map { [String(rest[..<$0])] } ?? []
    }
}
