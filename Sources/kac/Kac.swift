// `kac`: the companion CLI — train, distill, evaluate, publish, manage the zoo, render, submit jobs.
// `main` (ToolSupport's `runAsTool`) is where every command's error becomes one line on standard
// error and the exit status the error states itself (docs/operating.md, "Exit codes").
import ArgumentParser
import CBuildInfo
import TensorCore
import ToolSupport
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
            TrainCommand.self, DatasetCommand.self, DistillCommand.self, RefineCommand.self,
            SubmitCommand.self, StatusCommand.self, CancelCommand.self, PruneCommand.self,
            ZooCommand.self,
            RenderCommand.self,
            ClassifierCommand.self, EvalCommand.self, PublishCommand.self,
        ]
    )

    static func main() async { await runAsTool() }
}
