// `kacd`: the rendering daemon. Parses options into a `DaemonConfiguration`, reads the environment
// (sd_notify socket, watchdog) here and nowhere else, logs to standard error (the journal under
// systemd), and runs `RenderDaemon`. Exit status: 0 after a clean shutdown or a drained --once run.
import ArgumentParser
import Foundation
import Logging
import RenderService
import Spool
import TensorCore

@main
struct KacDaemon: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kacd",
        abstract: "Render job files dropped into a spool directory.",
        discussion: "Signals: SIGTERM/SIGINT finish the current batch, give the job back and exit 0; SIGHUP re-resolves zoo tags.")

    @Option(help: "The spool directory (created if missing).") var spool = "./spool"
    @Option(help: "The model zoo (read-only).") var zoo = "./zoo"
    @Option(name: .customLong("worker-id"), help: "Worker name in leases and logs (default: <host>-<pid>).") var workerID: String?
    @Flag(help: "Drain the spool, then exit.") var once = false
    @Option(name: .customLong("poll-interval"), help: "Seconds between rescans of new/ (inotify wakes earlier).") var pollInterval = 5.0
    @Flag(name: .customLong("no-inotify"), help: "Poll only (network filesystems).") var noInotify = false
    @Option(name: .customLong("lease-timeout"), help: "Seconds without a heartbeat before a job is requeued.") var leaseTimeout = 120.0
    @Option(name: .customLong("settle-period"), help: "Seconds an invalid file must sit unchanged before it is failed.") var settlePeriod =
        5.0
    @Option(name: .customLong("max-attempts"), help: "Claims of a job whose worker died before it goes to failed/.") var maxAttempts = 3
    @Option(name: .customLong("model-cache-mb"), help: "Memory budget for loaded models, MiB.") var modelCacheMB = 512
    @Option(name: .customLong("batch-size"), help: "Images per sampler batch.") var batchSize = 16
    @Option(name: .customLong("max-count"), help: "Most images one job may request.") var maxCount = SpoolLimits.default.maximumCount
    @Option(name: .customLong("max-scale"), help: "Largest upscale factor.") var maxScale = SpoolLimits.default.maximumScale
    @Option(name: .customLong("max-steps"), help: "Largest sampler step count.") var maxSteps = SpoolLimits.default.maximumSteps
    @Option(name: .customLong("max-file-size"), help: "Largest job file, bytes.") var maxFileSize = SpoolLimits.default.maximumFileSize
    @Option(help: "Threads for BLAS and the parallel loops (default: the CPUs this process may use).") var threads: Int?
    @Option(
        name: .customLong("prune-older-than"),
        help: "Retention: remove finished jobs (done/, failed/, their out/<id>/) older than this (e.g. 7d, 12h; default: keep).")
    var pruneOlderThan: String?
    @Option(name: .customLong("prune-keep"), help: "Retention: keep at most this many finished jobs per state (default: all).")
    var pruneKeep: Int?
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.") var logLevel = "info"

    func validate() throws {
        guard pollInterval > 0, leaseTimeout > 0, settlePeriod >= 0 else { throw ValidationError("intervals must be positive") }
        guard maxAttempts >= 1, modelCacheMB >= 0, batchSize >= 1 else {
            throw ValidationError("--max-attempts and --batch-size must be at least 1")
        }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level \(logLevel) is not a swift-log level") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
        if let pruneOlderThan, RetentionPolicy.duration(pruneOlderThan) == nil {
            throw ValidationError("--prune-older-than takes a duration such as 7d, 12h, 30m or 90s, got '\(pruneOlderThan)'")
        }
        if let pruneKeep, pruneKeep < 0 { throw ValidationError("--prune-keep must be 0 or more, got \(pruneKeep)") }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let limits = SpoolLimits(maximumCount: maxCount, maximumScale: maxScale, maximumFileSize: maxFileSize, maximumSteps: maxSteps)
        var configuration = DaemonConfiguration(
            spoolPath: spool, zooPath: zoo, worker: WorkerIdentity.current(id: workerID), once: once, pollInterval: pollInterval,
            useInotify: !noInotify,
            spool: SpoolConfiguration(limits: limits, leaseTimeout: leaseTimeout, settlePeriod: settlePeriod, maximumAttempts: maxAttempts),
            modelCacheBytes: modelCacheMB << 20, batchSize: batchSize, threads: ThreadBudget.measure(requested: threads))
        if pruneOlderThan != nil || pruneKeep != nil {
            configuration.retention = RetentionPolicy(maximumAge: pruneOlderThan.flatMap(RetentionPolicy.duration), keepLatest: pruneKeep)
        }
        ThreadBudget.install(configuration.threads)
        let logger = Logger(label: "kacd")
        logger.info("threads: \(configuration.threads)", metadata: ["job": "-", "worker": "\(configuration.worker.id)"])
        if let advice = BLAS.kernelAdvice() {
            logger.warning("\(advice)", metadata: ["job": "-", "worker": "\(configuration.worker.id)"])
        }
        let notifier = SystemdNotifier(environment: ProcessInfo.processInfo.environment)
        try await RenderDaemon.run(configuration, notifier: notifier, logger: logger)
    }
}
