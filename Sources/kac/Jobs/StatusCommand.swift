// `kac status` and `kac cancel`: read the spool's state for operators, and stop a job. Both
// go through the `Spool` API, so they follow the same protocol as the daemon.
import ArgumentParser
import Foundation
import Spool

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show queue counts, running jobs with progress and ETA, and recent failures.")

    @OptionGroup var location: SpoolLocation
    @Flag(help: "Print machine-readable JSON.") var json = false
    @Option(help: "How many recent failures to list.") var failures = 10

    func run() throws {
        let status = try location.open(create: false).status(recentFailureLimit: failures)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .iso8601
            print(String(decoding: try encoder.encode(status), as: UTF8.self))
        } else {
            print(status.text(), terminator: "")
            if status.leftovers.total > 0 {
                print("leftovers: \(status.leftovers.summary) (\(status.leftoversDue.total) past the grace period; kacd sweeps them)")
            }
        }
    }
}

struct CancelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Cancel a job: a queued one fails at once, a running one stops after its current image.")

    @OptionGroup var location: SpoolLocation
    @Argument(help: "The job id.") var id: String

    func run() throws {
        switch try location.open(create: false).cancel(jobID: id) {
        case .cancelledQueued: print("\(id): cancelled (was queued; now in failed/ with reason \"cancelled\")")
        case .requestedRunning: print("\(id): cancel requested; the worker stops after the current image")
        }
    }
}
