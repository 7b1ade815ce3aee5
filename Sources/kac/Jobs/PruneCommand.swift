// `kac prune`: retention for the spool. Removes finished jobs (done/, failed/ with their
// error.json) and their out/<id>/ by age or count; queued and running jobs are never touched.
// kacd applies the same policy itself with --prune-older-than / --prune-keep.
import ArgumentParser
import Spool
import ToolSupport

struct PruneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Remove finished jobs and their outputs by age or count (never queued or running ones).",
        discussion:
            "A finished job is removed when it finished longer ago than --older-than, or when it is not among the newest --keep of its state (done/ and failed/ are counted separately). Its record, failed/ID.error.json, out/ID/ and side files go; records of workers whose process is gone go too. Use --dry-run to see what would be removed."
    )

    @OptionGroup var location: SpoolLocation
    @Option(name: .customLong("older-than"), help: "Remove jobs finished longer ago than this: 90s, 30m, 12h, 7d, 2w.")
    var olderThan: String?
    @Option(help: "Keep only the newest N finished jobs per state.") var keep: Int?
    @Option(help: "Only prune this state: done or failed (default: both).") var state: FinishedState?
    @Flag(name: .customLong("dry-run"), help: "Only report what would be removed.") var dryRun = false
    @Flag(help: "Print machine-readable JSON.") var json = false

    enum FinishedState: String, ExpressibleByArgument, CaseIterable {
        case done, failed
        var spoolState: SpoolState { self == .done ? SpoolState.done : SpoolState.failed }
    }

    func validate() throws {
        guard olderThan != nil || keep != nil else {
            throw ValidationError("give --older-than DURATION and/or --keep N (e.g. kac prune --older-than 7d)")
        }
        if let olderThan, RetentionPolicy.duration(olderThan) == nil {
            throw ValidationError("--older-than takes a duration such as 7d, 12h, 30m or 90s, got '\(olderThan)'")
        }
        if let keep, keep < 0 { throw ValidationError("--keep must be 0 or more, got \(keep)") }
    }

    func run() throws {
        let spool = try location.open(create: false)
        var states: [SpoolState] = [SpoolState.done, SpoolState.failed]
        if let state { states = [state.spoolState] }
        let policy = RetentionPolicy(maximumAge: olderThan.flatMap(RetentionPolicy.duration), keepLatest: keep, states: states)
        let report = try spool.prune(policy, dryRun: dryRun)
        if json { return print(try Console.json(report), terminator: "") }
        let verb = dryRun ? "would remove" : "removed"
        for job in report.removed {
            print("\(verb) \(job.state.rawValue)/\(job.jobID) (\(job.outputFiles) output file(s), \(job.reason))")
        }
        for id in report.skipped { print("kept \(id): the same id is also queued or running") }
        for worker in report.removedWorkerRecords { print("\(verb) the record of worker \(worker) (its process is gone)") }
        print("\(verb) \(report.removed.count) finished job(s), \(report.bytesFreed) bytes; kept \(report.kept)")
    }
}
