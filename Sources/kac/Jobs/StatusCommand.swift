// `kac status [ID]` and `kac cancel ID`: read the spool's state for operators, and stop a job.
// Both go through the `Spool` API, so they follow the same protocol as the daemon. `--watch`
// redraws the report every `--interval` seconds (until the job finishes, for `status ID`).
import ArgumentParser
import Foundation
import Spool

#if canImport(Glibc)
import Glibc
import ToolSupport
#endif

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show workers, running jobs with progress and ETA, the queue in run order, and recent failures; or one job.",
        discussion:
            "The first line names the spool and where its path came from (--spool, $KAC_SPOOL, the installed kacd configuration, or ./spool). "
            + "With ID: the job's state, model, queue position or worker and lease, progress and ETA, attempts, failure reason and output files. A running job whose worker stopped heartbeating (or whose pid died on this host) is shown as LEASE EXPIRED; the next recovery pass of any kacd requeues it."
    )

    @OptionGroup var location: SpoolLocation
    @Argument(help: "A job id: show only this job.") var id: String?
    @Flag(help: "Print machine-readable JSON.") var json = false
    @Flag(help: "Redraw every --interval seconds until interrupted (with ID: until the job finishes).") var watch = false
    @Option(help: "Seconds between redraws with --watch.") var interval = 2.0
    @Option(help: "How many recent failures to list.") var failures = 10
    @Option(help: "How many queued jobs to list (JSON lists all).") var queued = 20

    func validate() throws {
        guard interval >= 0.1, interval.isFinite else { throw ValidationError("--interval must be at least 0.1 seconds") }
        guard failures >= 0, queued >= 0 else { throw ValidationError("--failures and --queued must be 0 or more") }
    }

    func run() throws {
        let spool = try location.open(create: false)
        // One trial claim per run, not per redraw: the file system does not change under a watch.
        let terminal = isatty(STDOUT_FILENO) != 0
        while true {
            let (text, finished) = try report(spool)
            // Unbuffered, so each redraw appears whole and at once (a pipe would otherwise hold it).
            let clear = watch && terminal ? "\u{1B}[H\u{1B}[2J" : ""
            let separator = watch && !terminal && !finished ? "\n" : ""
            FileHandle.standardOutput.write(Data((clear + text + separator).utf8))
            guard watch, !finished else { return }
            Thread.sleep(forTimeInterval: interval)
        }
    }

    /// The report as text, and whether watching can stop (the job finished).
    private func report(_ spool: Spool) throws -> (String, Bool) {
        if let id {
            let detail = try spool.inspect(jobID: id)
            let finished = detail.state.isFinished
            // While watching a running job only the count of its files is shown; the list once it ends.
            let text = detail.text(now: spool.clock.now(), listingOutputs: !watch || finished)
            return (json ? try Console.json(detail) : text, finished)
        }
        var status = try spool.status(recentFailureLimit: failures)
        status.filesystem = spool.probeFilesystem()
        let place = location.resolved
        return (json ? try Console.json(status) : "spool: \(place.path) (\(place.source))\n" + status.text(queueLimit: queued), false)
    }
}

struct CancelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Cancel a job: a queued one fails at once, a running one stops before its next sampler step.",
        discussion:
            "A running job's worker checks for the cancel request between sampler steps, so it stops within one network evaluation; images written before that stay in out/ID/, the batch in flight is dropped, and the job goes to failed/ with code cancelled (kacd logs it). A queued job is cancelled by kac itself, which logs it to the system log (journalctl -t kac). A cancel that arrives after the last image is written finds nothing to stop: the job completes."
    )

    @OptionGroup var location: SpoolLocation
    @Argument(help: "The job id.") var id: String

    func run() throws {
        let spool = try location.open(create: false)
        switch try spool.cancel(jobID: id) {
        case .cancelledQueued:
            // No worker saw this job, so no kacd logs it: kac says it to the system log itself.
            SystemLog.notice(
                "Job \(id) was cancelled by kac cancel (user \(getuid())) while queued in \(spool.root); it is in failed/ with reason cancelled."
            )
            print("\(id): cancelled (was queued; now in failed/ with reason \"cancelled\")")
        case .requestedRunning:
            print("\(id): cancel requested; the worker stops before its next sampler step (see `kac status \(id)`)")
        }
    }
}
