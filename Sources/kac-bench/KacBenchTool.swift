// `kac-bench`: the developer's benchmarks, apart from the user's `kac` — the network and the machine's
// peaks (the default subcommand, `network`), the whole render path (`render`), the zoo's blob formats
// (`zoo`) and the Swift half of bench/pytorch_peer.py (`peer-dump`). Each subcommand parses options,
// calls one KacBench entry point and prints its rows; errors exit as in `kac` (ToolSupport's main).
import ArgumentParser
import CBuildInfo
import TensorCore
import ToolSupport
import Vocabulary

@main
struct KacBenchTool: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kac-bench",
        abstract: "Measure Kac on this machine: network and GEMM peaks, render throughput, zoo formats, the PyTorch peer.",
        discussion:
            "Without a subcommand, runs `network`. Timings are printed as measured, never asserted; on a shared machine compare ratios within one run. Exit codes: 0 ok, 64 bad command line, 66 no zoo or model, 74 I/O error.",
        version: KacVersion.report(tool: "kac-bench", commit: String(cString: kac_build_commit()), blasCore: BLAS.coreName),
        subcommands: [NetworkBenchCommand.self, RenderBenchCommand.self, StoreBenchCommand.self, PeerDumpCommand.self],
        defaultSubcommand: NetworkBenchCommand.self
    )

    static func main() async { await runAsTool() }
}
