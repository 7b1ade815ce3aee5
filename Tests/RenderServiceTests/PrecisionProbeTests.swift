// A job's precision is decided against one reading of the bf16 capability (the configuration's
// `BF16Probe`), and the model is then put in that precision without reading it again: a probe
// that plays a machine without bf16 is read once per job, `auto` runs fp32 without measuring, and
// `bf16` fails the job naming the field — on this CPU whether or not it has AVX512_BF16.
import Foundation
import Generation
import Logging
import RenderService
import Spool
import TestSupport
import Testing
import Vocabulary

/// Counts its reads and answers "no bf16 here" (a process denied oneDNN's generated code).
final class CountingProbe: @unchecked Sendable {
    // @unchecked: `reads` is only touched under `lock`.
    private let lock = NSLock()
    private var count = 0
    var reads: Int { lock.withLock { count } }
    var probe: BF16Probe {
        BF16Probe { [self] in
            lock.withLock { count += 1 }
            return PrecisionUnavailable(reason: .executableMemoryDenied)
        }
    }
}

/// A daemon runs in this test process, so the test belongs to StartupSignalTests' serialized suite:
/// the SIGTERM that suite sends this process would otherwise stop a daemon running beside it.
extension StartupSignalTests {
    @Test func aJobReadsTheCapabilityOnceAndKeepsItsAnswer() async throws {
        let root = TemporaryDirectory(prefix: "kacd-precision-probe")
        let spool = root.file("spool"), zoo = root.file("zoo")
        try makeSpool(spool)
        try TinyModel.publish(into: zoo)
        try drop(#"{"schema": 1, "model": "fashion-mnist/teacher", "count": 1, "precision": "auto"}"#, id: "auto", spool: spool)
        try drop(#"{"schema": 1, "model": "fashion-mnist/teacher", "count": 1, "precision": "bf16"}"#, id: "bf16", spool: spool)
        let counter = CountingProbe()
        var configuration = DaemonConfiguration(
            spoolPath: spool, zooPath: zoo, worker: WorkerIdentity.current(id: "probe"), once: true)
        configuration.bf16 = counter.probe
        try await RenderDaemon.run(configuration, notifier: SystemdNotifier(environment: [:]), logger: Logger(label: "test"))

        #expect(counter.reads == 2, "one read per job")
        #expect(names(in: spool + "/done") == ["auto.json"])
        let result = try jsonObject(spool + "/out/auto/result.json")
        #expect((result["render"] as? [String: Any])?["precision"] as? String == "fp32", "auto without bf16 is fp32")
        let failure = try jsonObject(spool + "/failed/bf16.error.json")
        #expect(failure["code"] as? String == "invalid-job" && failure["field"] as? String == "precision", "\(failure)")
        #expect((failure["reason"] as? String)?.contains("bf16") == true, "\(failure)")
    }

    private func jsonObject(_ path: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }
}
