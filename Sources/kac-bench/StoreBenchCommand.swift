// `kac-bench zoo`: compression ratio and load time per dtype for random weights in a throw-away
// store (KacBench.StoreBench), as a table or JSON.
import ArgumentParser
import Foundation
import KacBench
import ToolSupport

struct StoreBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zoo", abstract: "Measure compression ratio and load time for random weights.")

    @Option(help: "Number of parameters (split over four tensors).") var parameters = 1 << 20
    @Option(help: "Loads per dtype; the median is reported.") var repeats = 5
    @Option(help: "zstd compression level.") var level: Int32 = 3
    @Flag(help: "Print JSON instead of a table.") var json = false

    func run() throws {
        var bench = StoreBench()
        (bench.parameters, bench.repeats, bench.level) = (parameters, repeats, level)
        let rows = try bench.measure()
        if json { return try ZooOutput.json(rows) }
        ZooOutput.table(
            ["DTYPE", "PARAMS", "SAFETENSORS", "BLOB", "BLOB/F32", "ZSTD RATIO", "PUBLISH", "LOAD (median)"],
            rows.map {
                [
                    $0.dtype, String($0.parameters), ZooOutput.size($0.safetensorsBytes), ZooOutput.size($0.blobBytes),
                    String(format: "%.3f", $0.ratioToF32), String(format: "%.3f", $0.zstdRatio),
                    String(format: "%.1f ms", $0.publishSeconds * 1000), String(format: "%.1f ms", $0.loadSeconds * 1000),
                ]
            })
    }
}
