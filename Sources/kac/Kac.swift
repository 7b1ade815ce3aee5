// `kac`: the companion CLI — train, distill, evaluate, publish, manage the zoo, render, submit jobs.
// `main` is where every command's error becomes one line on standard error and an exit status
// from the table in `ExitStatus` (README "Exit codes").
import ArgumentParser
import Foundation
import TensorCore

@main
struct Kac: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kac",
        abstract: "Train, distill, publish and render DistillKac image generators.",
        discussion:
            "Exit codes (sysexits): 0 ok, 64 bad command line or request, 65 bad data (job file, damaged zoo), 66 not found, 69 refused in the present state, 73 cannot create output, 74 I/O error, 75 interrupted, 77 permission denied.",
        subcommands: [
            TrainCommand.self, DistillCommand.self, BenchCommand.self, PeerDumpCommand.self,
            SubmitCommand.self, StatusCommand.self, CancelCommand.self, PruneCommand.self,
            ZooCommand.self,
            RenderCommand.self, RenderBenchCommand.self,
            ClassifierCommand.self, EvalCommand.self, PublishCommand.self,
        ]
    )

    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if let code = ExitStatus.code(for: error) {
                FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
                Foundation.exit(code)
            }
            exit(withError: error)
        }
    }
}
