// `kac eval --score-samples DIR`: score samples an earlier `kac eval --save-samples DIR` wrote,
// instead of generating them again. A second judge (another classifier: --classifier) can then
// score the very images the first one saw — the 100-step teacher's rows cost an hour to generate on
// this machine, scoring them costs seconds. Rows come out in file-name order; the floor row uses
// the files' seed and sample count, so it matches what the samples were drawn with.
import ArgumentParser
import Foundation
import ModelStore
import TensorCore
import Training
import Vocabulary

struct SavedSamples {
    var label: String
    var settings: SamplingSettings
    var seed: UInt64?
    var networkEvaluations: Int
    /// [N, H, W, C]
    var samples: TensorCore.Tensor
    var labels: [Int]

    /// Every `*.safetensors` file written by `--save-samples` in `directory` (or that one file).
    static func read(_ path: String) throws -> [SavedSamples] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ValidationError("--score-samples: \(path) does not exist; give the directory of an earlier --save-samples")
        }
        let files =
            isDirectory.boolValue
            ? try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".safetensors") }.sorted()
                .map { path + "/" + $0 }
            : [path]
        guard !files.isEmpty else { throw ValidationError("--score-samples: no .safetensors files in \(path)") }
        return try files.map(readFile)
    }

    private static func readFile(_ file: String) throws -> SavedSamples {
        let checkpoint = try Safetensors.read(from: file)
        guard let samples = checkpoint["samples"], let labels = checkpoint["labels"], samples.shape.count == 4,
            labels.shape == [samples.shape[0]]
        else {
            throw ValidationError(
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
}

extension EvalCommand {
    /// Scores saved samples under the judge of --classifier and prints (and writes) the report.
    func scoreSavedSamples(_ path: String) throws {
        guard models.isEmpty && runs.isEmpty else {
            throw ValidationError("--score-samples scores saved images; it takes no --model or --run")
        }
        let saved = try SavedSamples.read(path)
        let seeds = Set(saved.compactMap(\.seed)), counts = Set(saved.map { $0.samples.shape[0] })
        // The classifier says how many classes there are; every saved label must be one of them.
        let judge = try judgeOptions.load(zoo: zoo, classCount: nil)
        if let label = saved.flatMap(\.labels).first(where: { !(0..<judge.classCount).contains($0) }) {
            throw ValidationError(
                "--score-samples: label \(label) is not a class of \(judge.name) (it knows \(judge.classCount) classes)")
        }
        let evaluator = SampleEvaluator(
            judge: judge.judge, sampleCount: counts.count == 1 ? counts.first! : samples,
            seed: seeds.count == 1 ? seeds.first! : seed, batchSize: batchSize)
        var rows: [EvaluationRow] = []
        for item in saved {
            var row = EvaluationRow(
                model: item.label, integrator: item.settings.integrator, steps: item.settings.steps,
                guidance: item.settings.guidance, networkEvaluations: item.networkEvaluations, imagesPerSecond: 0,
                sampleCount: item.samples.shape[0])
            evaluator.score(item.samples, labels: item.labels, into: &row)
            Console.note("scored \(item.label) (seed \(item.seed.map(String.init) ?? "?")): " + Self.summary(row))
            rows.append(row)
        }
        // The floor draws real training images; only Fashion-MNIST's are at hand (a reference folder is held out).
        let floor =
            counts.count == 1 && seeds.count <= 1 && judgeOptions.reference == nil
            ? try realDataFloor(evaluator, dataName: "fashion-mnist") : nil
        let report = EvaluationReport(
            judge: judge.name, reference: judge.reference, seed: evaluator.seed, rows: rows, floor: floor)
        try emit(report)
    }
}
