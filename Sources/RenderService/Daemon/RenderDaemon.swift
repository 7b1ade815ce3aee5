// Assembling `kacd`: open the spool and the zoo, build the services and run them as one group.
// Start-up problems (no spool, no zoo) are thrown to `main`, which prints them and exits non-zero;
// after start-up nothing a job does can stop the daemon.
import Foundation
import Logging
import ModelStore
import ServiceLifecycle
import Spool

public enum RenderDaemon {
    /// Runs until SIGTERM/SIGINT (or, with `once`, until the spool is drained).
    public static func run(_ configuration: DaemonConfiguration, notifier: SystemdNotifier, logger base: Logger) async throws {
        var logger = base
        logger[metadataKey: "job"] = "-"
        logger[metadataKey: "worker"] = "\(configuration.worker.id)"
        let eventLogger = logger
        let spool = try Spool(root: configuration.spoolPath, configuration: configuration.spool, create: true) { event in
            // Finishes are logged by the job runner with their reason; the spool's echo is for debugging.
            if case .finished = event {
                eventLogger.debug("\(event)", metadata: ["job": "\(jobID(of: event))"])
            } else {
                eventLogger.warning("\(event)", metadata: ["job": "\(jobID(of: event))"])
            }
        }
        let store = try ModelStore(root: configuration.zooPath, create: false)
        let state = DaemonState()
        let wake = WakeSignal()
        let cache = ModelCache(store: store, capacityBytes: configuration.modelCacheBytes)
        let pulse = Pulse(notifier: notifier)
        let runner = JobRunner(spool: spool, cache: cache, configuration: configuration, state: state, pulse: pulse)
        let loop = WorkLoop(spool: spool, runner: runner, configuration: configuration, state: state, wake: wake, logger: logger)
        let reporter = StatusReporter(notifier: notifier, state: state, spool: spool, logger: logger)
        let mode = configuration.once ? ", draining once" : ""
        logger.info(
            "kacd started: spool \(spool.root), zoo \(store.root), \(store.models().count) models, cache \(configuration.modelCacheBytes >> 20) MiB\(mode)"
        )
        // Shut down in reverse order: the worker first (it stops claiming at once), the reporter last.
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [
                    .init(service: reporter, serviceName: "status"),
                    .init(service: ReloadService(cache: cache, logger: logger), serviceName: "reload"),
                    .init(
                        service: WatcherService(spool: spool, configuration: configuration, wake: wake, logger: logger),
                        serviceName: "watcher"),
                    .init(
                        service: WorkerService(loop: loop, reporter: reporter), successTerminationBehavior: .gracefullyShutdownGroup,
                        serviceName: "worker"),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
        logger.info("kacd stopped")
    }

    static func jobID(of event: SpoolEvent) -> String {
        switch event {
        case .rejected(_, let failure): failure.jobID
        case .finished(let id, _): id
        case .recovered(let action): action.jobID
        }
    }
}
