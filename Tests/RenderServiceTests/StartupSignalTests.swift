// A SIGTERM that reaches kacd while it starts (before the service group installs its handlers)
// used to end it with status 143: `StartupSignals.hold()`, the first call of kacd's main, records
// it instead, and the daemon then stops cleanly before claiming a job.
import Foundation
import Glibc
import Logging
import RenderService
import Spool
import TestSupport
import Testing

@Suite(.serialized) struct StartupSignalTests {
    @Test func aSigtermWhileStartingStopsTheDaemonBeforeItClaims() async throws {
        StartupSignals.hold()
        defer { StartupSignals.reset() }
        // Without the start-up handlers either signal ends the test process (sent to the process,
        // as systemd does, so any thread that does not block it takes it).
        kill(getpid(), SIGHUP)
        kill(getpid(), SIGTERM)
        #expect(waitUntil(timeout: 5) { StartupSignals.received == SIGTERM })

        let root = TemporaryDirectory(prefix: "kacd-startup-signal")
        let spool = root.file("spool"), zoo = root.file("zoo")
        try makeSpool(spool)
        try TinyModel.publish(into: zoo)
        try drop(#"{"schema": 1, "model": "fashion-mnist/teacher", "count": 1}"#, id: "waiting", spool: spool)
        let configuration = DaemonConfiguration(
            spoolPath: spool, zooPath: zoo, worker: WorkerIdentity.current(id: "startup"), once: true)
        try await RenderDaemon.run(
            configuration, notifier: SystemdNotifier(environment: [:]), logger: Logger(label: "test"))
        #expect(FileManager.default.fileExists(atPath: spool + "/new/waiting.json"), "the job stays queued")
        #expect(names(in: spool + "/done").isEmpty && names(in: spool + "/failed").isEmpty)
    }
}
