// `kac`: the companion CLI — train, distill, evaluate, publish, manage the zoo, render, submit jobs.
// `main` is where every command's error becomes one line on standard error and the exit status
// the error states itself (`ExitStatusReporting`; docs/operating.md, "Exit codes").
import ArgumentParser
import CBuildInfo
import Foundation
import TensorCore
import Vocabulary

@main
struct Kac: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kac",
        abstract: "Train, distill, publish and render DistillKac image generators.",
        discussion:
            "Exit codes (sysexits): 0 ok, 64 bad command line or request, 65 bad data (job file, damaged zoo), 66 not found, 69 refused in the present state, 73 cannot create output, 74 I/O error, 75 interrupted, 77 permission denied.",
        version: KacVersion.report(tool: "kac", commit: String(cString: kac_build_commit()), blasCore: BLAS.coreName),
        subcommands: [
            TrainCommand.self, DatasetCommand.self, DistillCommand.self, RefineCommand.self, BenchCommand.self, PeerDumpCommand.self,
            SubmitCommand.self, StatusCommand.self, CancelCommand.self, PruneCommand.self,
            ZooCommand.self,
            RenderCommand.self, RenderBenchCommand.self,
            ClassifierCommand.self, EvalCommand.self, PublishCommand.self,
        ]
    )

    /// `--priority -5` → `--priority=-5`: ArgumentParser reads a token starting with `-` as an
    /// option, so a negative value would otherwise be "missing". No `kac` option is a digit, so a
    /// token that is a negative number after a `--long` option is always that option's value.
    static func joiningNegativeNumbers(_ arguments: [String]) -> [String] {
        var result: [String] = []
        for argument in arguments {
            if let last = result.last, last.hasPrefix("--"), !last.contains("="), last != "--", argument.count > 1,
                argument.hasPrefix("-"), Double(argument) != nil
            {
                result[result.count - 1] = last + "=" + argument
            } else {
                result.append(argument)
            }
        }
        return result
    }

    static func main() async {
        do {
            var command = try parseAsRoot(Self.joiningNegativeNumbers(Array(CommandLine.arguments.dropFirst())))
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as any ExitStatusReporting {
            if let message = error.usageMessage { exit(withError: ValidationError(message)) }
            Console.problem("Error", error)
            Foundation.exit(error.exitStatus.rawValue)
        } catch {
            exit(withError: error)  // ArgumentParser's own: usage errors (64), help, ExitCode
        }
    }
}
