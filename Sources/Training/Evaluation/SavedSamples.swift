// `kac eval --score-samples DIR`: score samples an earlier `kac eval --save-samples DIR` wrote,
// instead of generating them again. A second judge (another classifier: --classifier) can then
// score the very images the first one saw — the 100-step teacher's rows cost an hour to generate on
// this machine, scoring them costs seconds. Rows come out in file-name order; the floor row uses
// the files' seed and sample count, so it matches what the samples were drawn with. `write` makes
// the files: `DIR/<model>-<sampler>-<steps>-s<guidance>-seed<seed>.safetensors`.
import Foundation
import ModelStore
import TensorCore
import Vocabulary

public struct SavedSamples {
    public var label: String
    public var settings: SamplingSettings
    public var seed: UInt64?
    public var networkEvaluations: Int
    /// [N, H, W, C]
    public var samples: TensorCore.Tensor
    public var labels: [Int]

    /// Every `*.safetensors` file written by `--save-samples` in `directory` (or that one file).
    public static func read(_ path: String) throws -> [SavedSamples] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw EvaluationError.invalidOptions("--score-samples: \(path) does not exist; give the directory of an earlier --save-samples")
        }
        let files =
            isDirectory.boolValue
            ? try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".safetensors") }.sorted()
                .map { path + "/" + $0 }
            : [path]
        guard !files.isEmpty else { throw EvaluationError.invalidOptions("--score-samples: no .safetensors files in \(path)") }
        return try files.map(readFile)
    }

    private static func readFile(_ file: String) throws -> SavedSamples {
        let checkpoint = try Safetensors.read(from: file)
        guard let samples = checkpoint["samples"], let labels = checkpoint["labels"], samples.shape.count == 4,
            labels.shape == [samples.shape[0]]
        else {
            throw EvaluationError.invalidOptions(
                "--score-samples: \(file) is not a --save-samples file (it needs tensors 'samples' [N, H, W, C] and 'labels' [N])")
        }
        let metadata = checkpoint.metadata
        let steps = metadata["steps"].flatMap(Int.init) ?? 0
        let settings = SamplingSettings(
            integrator: metadata["integrator"].flatMap(Integrator.init(rawValue:)) ?? .euler, steps: steps,
            guidance: metadata["guidance"].flatMap(Double.init) ?? 1)
        return SavedSamples(
            label: metadata["model"] ?? (file as NSString).lastPathComponent, settings: settings,
            seed: metadata["seed"].flatMap(UInt64.init),
            // Files saved before "evaluations" was recorded: guided steps cost two passes (none of
            // those files came from a guidance-conditioned student).
            networkEvaluations: metadata["evaluations"].flatMap(Int.init)
                ?? settings.estimatedNetworkEvaluations(),
            samples: TensorCore.Tensor(shape: samples.shape, scalars: samples.values), labels: labels.values.map { Int($0) })
    }

    /// Writes `samples` [N, H, W, C] (floats as generated, before any 8-bit rounding) and `labels` [N]
    /// of one evaluation row into `directory` (created), the setting in the metadata.
    public static func write(
        _ samples: TensorCore.Tensor, labels: [Int], model: String, settings: SamplingSettings, seed: UInt64, evaluations: Int,
        to directory: String
    ) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let safeModel = model.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "@" ? $0 : "_" }
        let name = "\(String(safeModel))-\(settings.integrator.rawValue)-\(settings.steps)-s\(settings.guidance)-seed\(seed)"
        let checkpoint = Checkpoint(
            tensors: [
                NamedTensor(name: "samples", shape: samples.shape, values: samples.scalars),
                NamedTensor(name: "labels", shape: [labels.count], values: labels.map(Float.init)),
            ],
            metadata: [
                "model": model, "integrator": settings.integrator.rawValue, "steps": String(settings.steps),
                "guidance": String(settings.guidance), "seed": String(seed), "evaluations": String(evaluations),
            ])
        try Safetensors.write(checkpoint, to: directory + "/" + name + ".safetensors")
    }

    /// Scores `saved` under `judge` (every label must be one of its classes): one row per file, and the
    /// floor row when every file has one sample count and seed (else `sampleCount` and `seed` stand in).
    public static func score(
        _ saved: [SavedSamples], judge: ClassifierJudge, settings: ClassifierJudge.Settings, sampleCount: Int, seed: UInt64,
        batchSize: Int, log: (String) -> Void
    ) throws -> EvaluationReport {
        let seeds = Set(saved.compactMap(\.seed)), counts = Set(saved.map { $0.samples.shape[0] })
        if let label = saved.flatMap(\.labels).first(where: { !(0..<judge.classCount).contains($0) }) {
            throw EvaluationError.invalidOptions(
                "--score-samples: label \(label) is not a class of \(judge.name) (it knows \(judge.classCount) classes)")
        }
        let evaluator = SampleEvaluator(
            judge: judge.judge, sampleCount: counts.count == 1 ? counts.first ?? sampleCount : sampleCount,
            seed: seeds.count == 1 ? seeds.first ?? seed : seed, batchSize: batchSize)
        var rows: [EvaluationRow] = []
        for item in saved {
            var row = EvaluationRow(
                model: item.label, integrator: item.settings.integrator, steps: item.settings.steps,
                guidance: item.settings.guidance, networkEvaluations: item.networkEvaluations, imagesPerSecond: 0,
                sampleCount: item.samples.shape[0])
            evaluator.score(item.samples, labels: item.labels, into: &row)
            log("scored \(item.label) (seed \(item.seed.map(String.init) ?? "?")): " + row.summary)
            rows.append(row)
        }
        let floor =
            counts.count == 1 && seeds.count <= 1
            ? try settings.realDataFloor(evaluator, dataName: .fashionMNIST, log: log) : nil
        return EvaluationReport(judge: judge.name, reference: judge.reference, seed: evaluator.seed, rows: rows, floor: floor)
    }
}
