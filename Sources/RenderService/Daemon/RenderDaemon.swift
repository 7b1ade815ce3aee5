// Assembling `kacd`: open the spool and the zoo, build the services and run them as one group.
// Start-up problems (no spool, no zoo) are thrown to `main` as `DaemonStartupError`, which it
// prints in one line before exiting 78 (EX_CONFIG); after start-up nothing a job does can stop
// the daemon. Every spool event is logged here, once, at its level (`DaemonEvents`).
import Foundation
import Generation
import Logging
import ModelStore
import ServiceLifecycle
import Spool
import TensorCore
import Vocabulary

/// The spool or the zoo named by the configuration cannot be used; nothing was started.
public struct DaemonStartupError: Error, CustomStringConvertible {
    /// `spool` or `zoo`: the setting to fix.
    public let setting: String
    public let path: String
    public let cause: any Error
    public var description: String { "\(Reason("\(setting) \(path)", cause: cause))" }
}

public enum RenderDaemon {
    /// Runs until SIGTERM/SIGINT (or, with `once`, until the spool is drained).
    public static func run(_ configuration: DaemonConfiguration, notifier: SystemdNotifier, logger base: Logger) async throws {
        var logger = base
        logger[metadataKey: "job"] = "-"
        logger[metadataKey: "worker"] = "\(configuration.worker.id)"
        let eventLogger = logger
        let maximumAttempts = configuration.spool.maximumAttempts
        let spool: Spool
        do {
            spool = try Spool(root: configuration.spoolPath, configuration: configuration.spool, create: true) { event in
                let entry = DaemonEvents.entry(for: event, maximumAttempts: maximumAttempts)
                // Events come from the work loop that caused them: its worker names the line.
                var metadata: Logger.Metadata = ["job": "\(jobID(of: event))"]
                if let worker = WorkLoop.currentWorker { metadata["worker"] = "\(worker)" }
                eventLogger.log(level: entry.level, "\(entry.message)", metadata: metadata)
            }
        } catch {
            throw DaemonStartupError(setting: "spool", path: configuration.spoolPath, cause: error)
        }
        let store: ModelStore
        do {
            store = try ModelStore(root: configuration.zooPath, create: false, configuration: .init(validator: ZooModelValidator()))
        } catch {
            throw DaemonStartupError(setting: "zoo", path: configuration.zooPath, cause: error)
        }
        // A trial claim before the first real one: refuse a file system where claims are not
        // exclusive (exit 78 from main), go on with a warning when the probe cannot run (a full disk).
        let probe = spool.probeFilesystem()
        if probe.verdict == .unsafe {
            throw DaemonStartupError(
                setting: "spool", path: configuration.spoolPath, cause: SpoolError.unsafeFilesystem(path: spool.root, probe: probe))
        }
        let state = DaemonState()
        let cache = ModelCache(store: store, capacityBytes: configuration.modelCacheBytes)
        let pulse = Pulse(notifier: notifier, logger: logger)
        // One work loop per worker, each its own lease owner; they share the spool, the loaded
        // models (weights once, scratch per call) and the state the status line reads.
        let loops = (0..<max(configuration.workers, 1)).map { slot in
            var own = configuration
            own.worker = configuration.worker(slot: slot)
            var slotLogger = logger
            slotLogger[metadataKey: "worker"] = "\(own.worker.id)"
            let runner = JobRunner(spool: spool, cache: cache, configuration: own, state: state, pulse: pulse)
            return WorkLoop(
                spool: spool, runner: runner, configuration: own, state: state, wake: WakeSignal(), logger: slotLogger,
                housekeeping: slot == 0)
        }
        let reporter = StatusReporter(notifier: notifier, state: state, spool: spool, logger: logger)
        let mode = configuration.once ? ", draining once" : ""
        logger.info(
            "kacd \(KacVersion.version) started: spool \(spool.root), zoo \(store.root), \(store.models().count) models, cache \(configuration.modelCacheBytes >> 20) MiB\(mode)."
        )
        let perWorker = configuration.threadsPerWorker
        logger.info(
            "Using \(configuration.threads): \(loops.count) worker\(loops.count == 1 ? "" : "s") of \(perWorker) thread\(perWorker == 1 ? "" : "s") each, one job per worker at a time.")
        if probe.verdict == .unknown {
            logger.warning("Spool file system \(probe.sentence); claiming anyway.")
        } else {
            logger.info("Spool file system \(probe.sentence).")
        }
        if let advice = BLAS.kernelAdvice() { logger.warning("\(advice)") }
        // A CPU without bf16 is ordinary (auto means fp32 there); a restriction that stops a CPU
        // that has it is a setting the operator may want to change, so it is said at start-up.
        if let unavailable = ZooVelocityModel.bf16Unavailable, unavailable.reason != .cpuLacksBF16 {
            logger.warning("bf16 is unavailable, so jobs asking for bf16 fail and auto runs fp32: \(unavailable)")
        }
        if let number = StartupSignals.received {
            logger.notice("kacd received signal \(number) while starting; it stops before claiming any job.")
            return
        }
        // Shut down in reverse order: the worker first (it stops claiming at once), the reporter last.
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [
                    .init(service: reporter, serviceName: "status"),
                    .init(
                        service: StartupSignalService(), successTerminationBehavior: .gracefullyShutdownGroup,
                        serviceName: "startup-signals"),
                    .init(service: ReloadService(cache: cache, logger: logger), serviceName: "reload"),
                    .init(
                        service: WatcherService(spool: spool, configuration: configuration, wakes: loops.map(\.wake), logger: logger),
                        serviceName: "watcher"),
                    .init(
                        service: WorkerService(loops: loops, state: state, logger: logger, reporter: reporter),
                        successTerminationBehavior: .gracefullyShutdownGroup,
                        serviceName: "worker"),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
        logger.info("kacd stopped.")
    }

    static func jobID(of event: SpoolEvent) -> String {
        switch event {
        case .rejected(_, let failure): failure.jobID
        case .finished(let id, _, _): id
        case .recovered(let action): action.jobID
        }
    }
}
