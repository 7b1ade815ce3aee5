// `kac`: the companion CLI — train, distill, evaluate, publish, manage the zoo, render, submit jobs.
import ArgumentParser
import CBuildInfo
import TensorCore
import Vocabulary

@main
struct Kac: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kac",
        abstract: "Train, distill, publish and render DistillKac image generators.",
        version: KacVersion.report(tool: "kac", commit: String(cString: kac_build_commit()), blasCore: BLAS.coreName),
        subcommands: [
            TrainCommand.self, DistillCommand.self, BenchCommand.self, PeerDumpCommand.self,
            SubmitCommand.self, StatusCommand.self, CancelCommand.self,
            ZooCommand.self,
            RenderCommand.self, RenderBenchCommand.self,
            ClassifierCommand.self, EvalCommand.self, PublishCommand.self,
        ]
    )
}
