// `kacd`: the rendering daemon. Builds its settings from defaults, the `--config` file and the
// flags (in that order; `DaemonSettings`), reads the environment (sd_notify socket, watchdog,
// journal stream) here and nowhere else, logs to standard error, and runs `RenderDaemon`.
// Exit status (docs/operating.md, "kacd exit codes"): 0 after a clean shutdown, a drained --once run, --help,
// --version or --print-config; 78 (EX_CONFIG) for any setting or start-up path that cannot work,
// with one line on stderr; 70 (EX_SOFTWARE) when the running daemon fails unexpectedly.
import ArgumentParser
import CBuildInfo
import Foundation
import Logging
import RenderService
import Spool
import TensorCore
import Vocabulary

@main
struct KacDaemon: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kacd",
        abstract: "Render job files dropped into a spool directory.",
        discussion: """
            Every setting can also be given in the --config file as `key = value` with the flag's long name as key \
            (flags override the file; --print-config shows the result). Signals: SIGTERM/SIGINT finish the current \
            batch, give the job back and exit 0; SIGHUP re-resolves zoo tags. Exit status: 0 clean stop, \
            78 configuration error (one line on stderr; systemd does not restart), 70 internal failure.
            """,
        version: KacVersion.report(tool: "kacd", commit: String(cString: kac_build_commit()), blasCore: BLAS.coreName))

    @Option(help: "A configuration file of `key = value` lines (keys: the long flag names).") var config: String?
    @Flag(name: .customLong("print-config"), help: "Print the effective configuration and exit.") var printConfig = false

    @Option(parsing: .unconditional, help: "The spool directory, created if missing (default ./spool).") var spool: String?
    @Option(parsing: .unconditional, help: "The model zoo, read-only (default ./zoo).") var zoo: String?
    @Option(name: .customLong("worker-id"), parsing: .unconditional, help: "Worker name in leases and logs (default <host>-<pid>).")
    var workerID: String?
    @Flag(help: "Drain the spool, then exit.") var once = false
    @Option(
        name: .customLong("poll-interval"), parsing: .unconditional,
        help: "Seconds between rescans of new/; inotify wakes earlier (0.01…3600, default 5).")
    var pollInterval: String?
    @Flag(name: .customLong("no-inotify"), help: "Poll only (network filesystems).") var noInotify = false
    @Option(
        name: .customLong("lease-timeout"), parsing: .unconditional,
        help: "Seconds without a heartbeat before a job is requeued (0.1…86400, default 120).")
    var leaseTimeout: String?
    @Option(
        name: .customLong("settle-period"), parsing: .unconditional,
        help: "Seconds an invalid file must sit unchanged before it is failed (0…3600, default 5).")
    var settlePeriod: String?
    @Option(
        name: .customLong("max-attempts"), parsing: .unconditional,
        help: "Claims of a job whose worker died before it goes to failed/ (1…1000, default 3).")
    var maxAttempts: String?
    @Option(
        name: .customLong("model-cache-mb"), parsing: .unconditional, help: "Memory budget for loaded models, MiB (0…1048576, default 512)."
    )
    var modelCacheMB: String?
    @Option(name: .customLong("batch-size"), parsing: .unconditional, help: "Images per sampler batch (1…1024, default 16).")
    var batchSize: String?
    @Option(name: .customLong("max-count"), parsing: .unconditional, help: "Most images one job may request (1…100000, default 256).")
    var maxCount: String?
    @Option(name: .customLong("max-scale"), parsing: .unconditional, help: "Largest upscale factor (1…64, default 8).") var maxScale:
        String?
    @Option(name: .customLong("max-steps"), parsing: .unconditional, help: "Largest sampler step count (1…100000, default 1000).")
    var maxSteps: String?
    @Option(
        name: .customLong("max-file-size"), parsing: .unconditional, help: "Largest job file, bytes (1024…16777216, default 65536).")
    var maxFileSize: String?
    @Option(
        name: .customLong("max-priority"), parsing: .unconditional,
        help: "Highest priority a job file may claim; higher ones are refused (-1000…1000, default 100).")
    var maxPriority: String?
    @Option(
        name: .customLong("max-work"), parsing: .unconditional,
        help: "Most images × network evaluations one job may ask for (1…10000000000, default 262144).")
    var maxWork: String?
    @Option(
        name: .customLong("job-time-limit"), parsing: .unconditional,
        help: "Longest a job may render before it fails as limit-exceeded, e.g. 2h, 90m, 600 (1s…30d, default 2h).")
    var jobTimeLimit: String?
    @Option(
        parsing: .unconditional,
        help: "Threads for BLAS and the parallel loops: 1…1024, or auto for the CPUs this process may use (default auto).")
    var threads: String?
    @Option(
        parsing: .unconditional,
        help: "Precision of jobs that name none: fp32, bf16 (refused on CPUs without AVX512_BF16) or auto (bf16 where the CPU has it; default fp32).")
    var precision: String?
    @Option(
        name: .customLong("log-level"), parsing: .unconditional,
        help: "trace, debug, info, notice, warning, error or critical (default info).")
    var logLevel: String?
    @Option(
        name: .customLong("prune-older-than"), parsing: .unconditional,
        help: "Retention: remove finished jobs (done/, failed/, their out/<id>/) older than this, e.g. 7d, 12h (default off: keep).")
    var pruneOlderThan: String?
    @Option(
        name: .customLong("prune-keep"), parsing: .unconditional,
        help: "Retention: keep at most this many finished jobs per state (default all).")
    var pruneKeep: String?

    /// EX_CONFIG and EX_SOFTWARE from sysexits.h.
    static let configurationError: Int32 = 78
    static let internalError: Int32 = 70

    static func main() async {
        // Before anything else: a SIGTERM while starting must stop kacd cleanly, not kill it.
        StartupSignals.hold()
        let environment = ProcessInfo.processInfo.environment
        let style: DaemonLogHandler.Style = JournalStream.isConnected(environment: environment) ? .journal : .plain
        let parsed: any ParsableCommand
        do {
            parsed = try await asyncParseAsRoot()
        } catch {
            // --help and --version end here with status 0; every other parse error is a configuration error.
            if exitCode(for: error) == .success { exit(withError: error) }
            let text = message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            fail("\(text) (see kacd --help)", style: style, status: configurationError)
        }
        guard let command = parsed as? KacDaemon else {
            // ArgumentParser's own commands (help) print and return.
            var builtIn = parsed
            do { try builtIn.run() } catch { exit(withError: error) }
            exit(withError: nil)
        }
        do {
            try await command.serve(environment: environment, style: style)
        } catch let error as DaemonSettingsError {
            // Every mistake of a configuration file, one line each, so one edit fixes them all.
            fail(error.lines.map { "configuration error: \($0)" }, style: style, status: configurationError)
        } catch let error as DaemonStartupError {
            fail("cannot start: \(error)", style: style, status: configurationError)
        } catch {
            fail("stopped on an unexpected error: \(error)", style: style, status: internalError)
        }
    }

    /// One line on stderr (error priority under the journal), then exit.
    static func fail(_ text: String, style: DaemonLogHandler.Style, status: Int32) -> Never {
        fail([text], style: style, status: status)
    }

    /// One line on stderr per text (error priority under the journal), then exit.
    static func fail(_ texts: [String], style: DaemonLogHandler.Style, status: Int32) -> Never {
        let prefix = style == .journal ? "<3>" : ""
        let lines = texts.map { prefix + "kacd: " + $0.split(separator: "\n").joined(separator: " ") + "\n" }
        FileHandle.standardError.write(Data(lines.joined().utf8))
        Foundation.exit(status)
    }

    /// The flag values given on the command line, by key.
    var flags: [(DaemonSettingKey, String)] {
        let options: [(DaemonSettingKey, String?)] = [
            (.spool, spool), (.zoo, zoo), (.workerID, workerID), (.once, once ? "true" : nil), (.pollInterval, pollInterval),
            (.noInotify, noInotify ? "true" : nil), (.leaseTimeout, leaseTimeout), (.settlePeriod, settlePeriod),
            (.maxAttempts, maxAttempts), (.modelCacheMB, modelCacheMB), (.batchSize, batchSize), (.maxCount, maxCount),
            (.maxScale, maxScale), (.maxSteps, maxSteps), (.maxFileSize, maxFileSize), (.maxPriority, maxPriority), (.maxWork, maxWork),
            (.jobTimeLimit, jobTimeLimit), (.threads, threads), (.precision, precision), (.logLevel, logLevel),
            (.pruneOlderThan, pruneOlderThan), (.pruneKeep, pruneKeep),
        ]
        return options.compactMap { key, value in value.map { (key, $0) } }
    }

    /// Defaults, then the file, then the flags.
    func settings() throws(DaemonSettingsError) -> DaemonSettings {
        var settings = DaemonSettings()
        if let config { try settings.apply(fileAt: config) }
        for (key, value) in flags { try settings.set(key, value, origin: "--\(key.rawValue) \(value)") }
        return settings
    }

    func serve(environment: [String: String], style: DaemonLogHandler.Style) async throws {
        let settings = try settings()
        let budget = ThreadBudget.measure(requested: settings.threads)
        if printConfig {
            let source = config.map { "defaults < \($0) < flags" } ?? "defaults < flags (no --config)"
            print(
                settings.fileText(header: [
                    "kacd \(KacVersion.version) effective configuration: \(source)",
                    "threads = auto means \(budget.threads) here (\(budget)); worker-id = auto means <host>-<pid>",
                ]), terminator: "")
            return
        }
        let level = settings.logLevel
        LoggingSystem.bootstrap { _ in DaemonLogHandler(level: level, style: style) }
        let configuration = settings.configuration(threads: budget)
        ThreadBudget.install(configuration.threads)
        // Freed activation memory stays in the process (resident memory is the peak of one render,
        // which every job reaches anyway, and no call page-faults its tensors afresh); libvips
        // encodes each image on one worker thread.
        RenderProcess.tune()
        var logger = Logger(label: "kacd")
        logger[metadataKey: "job"] = "-"
        logger[metadataKey: "worker"] = "\(configuration.worker.id)"
        let notifier = SystemdNotifier(environment: environment)
        try await RenderDaemon.run(configuration, notifier: notifier, logger: logger)
    }
}
