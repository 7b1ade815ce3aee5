// `kacd`: the rendering daemon. Builds its settings from defaults, the `--config` file and the
// flags (in that order; `DaemonSettings`), reads the environment (sd_notify socket, watchdog,
// journal stream) here and nowhere else, logs to standard error, and runs `RenderDaemon`.
// Exit status (docs/operating.md, "kacd exit codes"): 0 after a clean shutdown, a drained --once run, --help,
// --version, --print-config or --print-settings-markdown; 78 (EX_CONFIG) for any setting or start-up path that cannot work,
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
            Every setting below can also be given in the --config file as `key = value` with the flag's long name as \
            key (flags override the file; --print-config shows the result). Signals: SIGTERM/SIGINT finish the current \
            batch, give the job back and exit 0; SIGHUP re-resolves zoo tags. Exit status: 0 clean stop, \
            78 configuration error (one line on stderr; systemd does not restart), 70 internal failure.

            SETTINGS:
            """ + "\n" + DaemonSettings.helpText,
        version: KacVersion.report(tool: "kacd", commit: String(cString: kac_build_commit()), blasCore: BLAS.coreName))

    @Option(help: "A configuration file of `key = value` lines (keys: the long flag names).") var config: String?
    @Flag(name: .customLong("print-config"), help: "Print the effective configuration and exit.") var printConfig = false

    @Flag(
        name: .customLong("print-settings-markdown"),
        help: "Print the settings' table of docs/operating.md (scripts/settings-table.sh) and exit.")
    var printSettingsMarkdown = false

    /// EX_CONFIG and EX_SOFTWARE from sysexits.h.
    static let configurationError: Int32 = 78
    static let internalError: Int32 = 70

    static func main() async {
        // Before anything else: a SIGTERM while starting must stop kacd cleanly, not kill it.
        StartupSignals.hold()
        let environment = ProcessInfo.processInfo.environment
        let style: DaemonLogHandler.Style = JournalStream.isConnected(environment: environment) ? .journal : .plain
        // The settings' flags are read from the table (DaemonSetting.all); ArgumentParser reads the rest.
        let flags: [DaemonSettings.Flag], rest: [String]
        let parsed: any ParsableCommand
        do {
            (flags, rest) = try DaemonSettings.flags(in: Array(CommandLine.arguments.dropFirst()), otherOptionsWithValues: ["--config"])
        } catch {
            fail("\(error.message) (see kacd --help)", style: style, status: configurationError)
        }
        do {
            parsed = try await asyncParseAsRoot(rest)
        } catch {
            // --help and --version end here with status 0; every other parse error is a configuration error.
            if exitCode(for: error) == .success { exit(withError: error) }
            let text = message(for: error).split(separator: "\n").first.map(String.init) ?? ""
            fail("\(text) (see kacd --help)", style: style, status: configurationError)
        }
        guard let command = parsed as? KacDaemon else {
            // ArgumentParser's own commands (help) print and return.
            var builtIn = parsed
            do { try builtIn.run() } catch { exit(withError: error) }
            exit(withError: nil)
        }
        do {
            try await command.serve(flags: flags, environment: environment, style: style)
        } catch let error as DaemonSettingsError {
            // Every mistake of a configuration file, one line each, so one edit fixes them all.
            fail(error.lines.map { "configuration error: \($0)" }, style: style, status: configurationError)
        } catch let error as DaemonStartupError {
            fail("\(Reason("cannot start", cause: error))", style: style, status: configurationError)
        } catch {
            fail("\(Reason("stopped on an unexpected error", cause: error))", style: style, status: internalError)
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

    /// Defaults, then the file, then the flags.
    func settings(flags: [DaemonSettings.Flag]) throws(DaemonSettingsError) -> DaemonSettings {
        var settings = DaemonSettings()
        if let config { try settings.apply(fileAt: config) }
        try settings.apply(flags: flags)
        return settings
    }

    func serve(flags: [DaemonSettings.Flag], environment: [String: String], style: DaemonLogHandler.Style) async throws {
        if printSettingsMarkdown {
            print(DaemonSettings.markdownTable, terminator: "")
            return
        }
        let settings = try settings(flags: flags)
        let budget = ThreadBudget.measure(requested: settings.threads)
        if printConfig {
            let source = config.map { "defaults < \($0) < flags" } ?? "defaults < flags (no --config)"
            print(
                settings.fileText(header: [
                    "kacd \(KacVersion.version) effective configuration: \(source)",
                    "threads = auto means \(budget.threads) here (\(budget)); workers = auto means \(budget.threads);"
                        + " worker-id = auto means <host>-<pid>",
                ]), terminator: "")
            return
        }
        let level = settings.logLevel
        LoggingSystem.bootstrap { _ in DaemonLogHandler(level: level, style: style) }
        let configuration = settings.configuration(threads: budget)
        // Each worker computes with its share of the threads (all of them with one worker).
        ThreadBudget.install(configuration.workerBudget)
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
