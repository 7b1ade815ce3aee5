// `kac eval`: the project's quality table (issue 3 item 4). For each model (zoo reference or a
// training run's checkpoint, EMA weights) and each sampler × guidance × step count it generates
// --samples samples with one seed, labels cycling through the classes, and reports, under the
// evaluation classifier (images), the Fréchet distance of penultimate features (the old FD column,
// unchanged), FD and KID of multi-layer features and class accuracy, with the real-data floor as a
// last row; for 2-D data sliced Wasserstein distance to fresh target samples; plus NFE and
// images/s. Text table on stdout, --json-file, --plot.
// Manifests are immutable: record the rows with `kac publish CHECKPOINT --evaluation FILE.json`.
import ArgumentParser
import Foundation
import Generation
import Imaging
import KacFlow
import ModelStore
import TensorCore
import Training
import Vocabulary

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate velocity models: FD, multi-layer FD and KID, class accuracy (or sliced Wasserstein), NFE, images/s.",
        discussion: """
            Example: kac eval --run runs/teacher --classifier fashion-mnist/classifier --steps 1,2,4,10,20,50,100 \\
                       --samplers euler,ab2 --guidance 1.5 --json-file eval.json --plot eval.png
            Image columns: FD is the Fréchet distance of the classifier's penultimate features to the test images
            (the figure of earlier reports, unchanged). FD multi and KID×1e3 use every convolution stage too (each
            channel's spatial mean and deviation, then the penultimate features, each column standardized by the
            test images): KID is the unbiased kernel distance (cubic kernel, class-weighted because the labels
            cycle), about 0 for real images at any --samples, so it is the figure to compare students by; see
            docs/quality.md, "The instrument". The last row scores --samples real training images (same seed and
            label cycle): the floor a perfect generator would reach at this sample count. Under the table, class
            accuracy per class: a class the model renders badly (often one with few training images) shows first.
            Students are evaluated at their own setting — Euler, their step count, their default s (1 when guidance
            is baked in; a guidance-conditioned student's default scale) — unless --student-grid is given; teachers
            and runs use the grid of --steps × --samplers × --guidance (a guidance-conditioned student on the grid
            is given each s as its input: one network pass per step).
            To record the rows in the zoo, publish with them: kac publish CHECKPOINT --name NAME --evaluation eval.json
            """)

    @Option(name: .customLong("model"), help: "Zoo reference of a teacher or student (repeatable).")
    var models: [String] = []
    @Option(name: .customLong("run"), help: "Training run directory or checkpoint file; EMA weights (repeatable).")
    var runs: [String] = []
    @Option(help: "Step counts, comma separated.")
    var steps = "1,2,4,10,20,50,100"
    @Option(help: "Integrators, comma separated (euler, heun, midpoint, ab2, rk45).")
    var samplers = "euler,ab2"
    @Option(help: "Guidance scales, comma separated (1 = unguided).")
    var guidance = "1.5"
    @Option(help: "Samples per setting (labels cycle through the classes).")
    var samples = 1000
    @Option(help: "Seed of the generated samples (and of the toy target samples).")
    var seed: UInt64 = 7
    @Option(help: "Samples per generator call (memory and speed only; results do not change).")
    var batchSize = 100
    @Option(help: "Data the models were trained on; inferred from the model when omitted.")
    var data: String?
    @OptionGroup var zoo: ZooLocation
    @OptionGroup var judgeOptions: JudgeOptions
    @Option(name: .customLong("json-file"), help: "Write the report as JSON to this file.")
    var jsonFile: String?
    /// The old spelling, kept working: elsewhere `--json` is a flag that prints JSON on stdout.
    @Option(name: .customLong("json"), help: .hidden)
    var oldJSONPath: String?
    var jsonPath: String? { jsonFile ?? oldJSONPath }
    @Option(name: .customLong("plot"), help: "Write a PNG plot of quality against network evaluations.")
    var plotPath: String?
    @Option(
        name: .customLong("save-samples"),
        help: "Write each row's samples and labels to this directory (safetensors), for another judge to score.")
    var samplesDirectory: String?
    @Flag(help: "Evaluate students on the whole grid too, instead of only at their own setting.")
    var studentGrid = false
    @Option(
        name: .customLong("score-samples"),
        help: "Score the samples an earlier --save-samples wrote (a directory or one file) instead of generating; use with --classifier.")
    var scoreSamplesPath: String?
    @Option(name: .customLong("report"), help: "Re-print the table (and --plot) of an earlier --json-file report instead of evaluating.")
    var reportPath: String?
    @Option(
        help:
            "Arithmetic the --model networks sample in: fp32, bf16 (refused on CPUs without AVX512_BF16) or auto; rows in bf16 are labelled so. --run checkpoints sample in fp32."
    ) var precision: PrecisionSetting = .fp32

    @OptionGroup var threads: ThreadOptions

    func run() throws {
        threads.install()
        if oldJSONPath != nil { Console.note("note: kac eval --json FILE is now --json-file FILE (--json is a flag elsewhere)") }
        if let reportPath {
            guard models.isEmpty && runs.isEmpty else { throw ValidationError("--report re-prints a report; it takes no --model or --run") }
            let report = try EvaluationReport.read(from: reportPath)
            print(report.table(), terminator: "")
            try writePlot(report.rows, judge: report.judge, samples: report.rows.first?.sampleCount ?? 0)
            return
        }
        if let scoreSamplesPath { return try scoreSavedSamples(scoreSamplesPath) }
        guard !models.isEmpty || !runs.isEmpty else {
            throw ValidationError("nothing to evaluate: pass --model REF (a zoo teacher or student) or --run DIR")
        }
        let settings = try settingsList()
        let candidates = try loadModels()
        let dataName = try data ?? inferredData(candidates)
        let judge = try makeJudge(dataName: dataName, classCount: candidates[0].generator.nullLabel)
        let evaluator = SampleEvaluator(judge: judge.judge, sampleCount: samples, seed: seed, batchSize: batchSize)
        var rows: [EvaluationRow] = []
        for candidate in candidates {
            for setting in candidate.ownSetting.map({ [$0] }) ?? settings {
                let title = "eval \(setting.integrator.rawValue) \(setting.steps) steps s=\(setting.guidance)"
                let progress = ProgressReporter(
                    title: title, total: samples,
                    interactive: ProgressReporter.standardErrorIsTerminal, minimumLineInterval: 30)
                var generated: (samples: TensorCore.Tensor, labels: [Int])?
                let row = evaluator.evaluate(
                    candidate.generator, model: candidate.label, settings: setting,
                    onBatch: { progress.update(completed: $0, fields: ["samples"]) },
                    onSamples: { samples, labels in if samplesDirectory != nil { generated = (samples, labels) } })
                if let generated {
                    try saveSamples(
                        generated.samples, labels: generated.labels, model: candidate.label, setting: setting,
                        evaluations: row.networkEvaluations)
                }
                Console.note(
                    "eval \(candidate.label) \(setting.integrator.rawValue) steps \(setting.steps) "
                        + "s=\(setting.guidance): " + Self.summary(row))
                rows.append(row)
            }
        }
        let floor = try realDataFloor(evaluator, dataName: dataName)
        var report = EvaluationReport(judge: judge.name, reference: judge.reference, seed: seed, rows: rows, floor: floor)
        report.classNames = candidates.first?.classNames
        try emit(report)
        try writePlot(rows, judge: judge.name, samples: samples)
    }

    /// Prints the report's table and, with --json-file, writes its JSON.
    func emit(_ report: EvaluationReport) throws {
        print(report.table(), terminator: "")
        if let jsonPath {
            try report.json().write(to: URL(fileURLWithPath: jsonPath), options: .atomic)
            Console.note("wrote \(jsonPath)")
        }
    }

    /// `DIR/<model>-<sampler>-<steps>-s<guidance>-seed<seed>.safetensors`: tensors `samples` [N, H, W, C]
    /// (floats as generated, before any 8-bit rounding) and `labels` [N]; the setting in the metadata.
    private func saveSamples(
        _ samples: TensorCore.Tensor, labels: [Int], model: String, setting: SamplingSettings, evaluations: Int
    ) throws {
        guard let samplesDirectory else { return }
        try FileManager.default.createDirectory(atPath: samplesDirectory, withIntermediateDirectories: true)
        let safeModel = model.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "@" ? $0 : "_" }
        let name = "\(String(safeModel))-\(setting.integrator.rawValue)-\(setting.steps)-s\(setting.guidance)-seed\(seed)"
        let checkpoint = Checkpoint(
            tensors: [
                NamedTensor(name: "samples", shape: samples.shape, values: samples.scalars),
                NamedTensor(name: "labels", shape: [labels.count], values: labels.map(Float.init)),
            ],
            metadata: [
                "model": model, "integrator": setting.integrator.rawValue, "steps": String(setting.steps),
                "guidance": String(setting.guidance), "seed": String(seed), "evaluations": String(evaluations),
            ])
        try Safetensors.write(checkpoint, to: samplesDirectory + "/" + name + ".safetensors")
    }

    private func writePlot(_ rows: [EvaluationRow], judge: String, samples: Int) throws {
        guard let plotPath else { return }
        let judgeName = (judge as NSString).lastPathComponent
        let title = "Quality vs network evaluations: \(samples) samples, judged by \(judgeName)"
        let raster = try SVGRaster.render(EvaluationPlot(rows: rows, title: title).svg())
        try ImageEncoder.write(raster, as: .png(), to: plotPath)
        Console.note("wrote \(plotPath)")
    }

    struct Candidate {
        var label: String
        var generator: Generator
        var dataset: String?
        /// The model's class names (a model of an image folder), for the per-class accuracy lines.
        var classNames: [String]? = nil
        /// A student's own sampling setting: it is evaluated only there.
        var ownSetting: SamplingSettings? = nil
    }

    private func loadModels() throws -> [Candidate] {
        var candidates: [Candidate] = []
        if !models.isEmpty {
            let store = try zoo.open(create: false)
            let resolved: Precision
            do { resolved = try ZooVelocityModel.resolve(precision) } catch {
                throw ValidationError("--precision \(precision): \(error.description)")
            }
            for reference in models {
                let model = try ZooVelocityModel.load(reference, from: store).inPrecision(resolved)
                let isStudent = model.manifest.details.kind == .student && !studentGrid
                candidates.append(
                    Candidate(
                        label: model.label + (resolved == .bf16 ? " bf16" : ""), generator: model.generator,
                        dataset: model.manifest.details.dataset?.name, classNames: model.classNames.names,
                        ownSetting: isStudent ? model.defaults : nil))
            }
        }
        for run in runs {
            var isDirectory: ObjCBool = false
            let path =
                FileManager.default.fileExists(atPath: run, isDirectory: &isDirectory) && isDirectory.boolValue
                ? run + "/checkpoint.safetensors" : run
            let (recipe, state) = try TrainingState.load(from: path)
            var scratch = RandomSource(seed: 0)
            let network = recipe.architecture.makeNetwork(random: &scratch)
            network.parameters = state.average.shadow
            candidates.append(
                Candidate(
                    label: "\(run)@step\(state.step)",
                    generator: Generator(
                        network: network, architecture: recipe.architecture,
                        path: recipe.path),
                    dataset: recipe.dataset, classNames: recipe.classNames))
        }
        return candidates
    }

    /// Training images scored like the samples (image data only): what a perfect generator would score.
    func realDataFloor(_ evaluator: SampleEvaluator, dataName: String) throws -> RealDataFloor? {
        guard case .classifier = evaluator.judge, dataName == "fashion-mnist", judgeOptions.reference == nil else { return nil }
        let train = try FashionMNIST.load(.train, directory: judgeOptions.datasetDirectory)
        let floor = evaluator.floor(train, source: "fashion-mnist train (\(samples) of \(train.count) images, seed \(seed))")
        if let floor { Console.note("real-data floor (\(floor.source)): " + Self.summary(floor)) }
        return floor
    }

    private func inferredData(_ candidates: [Candidate]) throws -> String {
        let names = Set(candidates.map { $0.dataset ?? "fashion-mnist" })
        guard names.count == 1, let name = names.first else {
            throw ValidationError(
                "the models were trained on different data (\(names.sorted().joined(separator: ", "))); evaluate them separately")
        }
        return name.hasPrefix("toy:") ? String(name.dropFirst(4)) : name
    }

    private func makeJudge(dataName: String, classCount: Int) throws -> (judge: SampleJudge, name: String, reference: String) {
        if let toy = ToyDataset.allCases.first(where: { $0.kebabName == dataName }) {
            var random = RandomSource(seed: seed, stream: 77)
            let target = toy.sample(count: samples, random: &random).samples
            return (
                .slicedWasserstein(target: target), "sliced-wasserstein",
                "\(samples) fresh samples of \(dataName) (seed \(seed))"
            )
        }
        guard dataName == "fashion-mnist" || judgeOptions.reference != nil else {
            throw ValidationError(
                "the models were trained on '\(dataName)': give --reference DIR (held-out images of it, one subfolder per class) "
                    + "and a --classifier trained on that data (kac classifier train --data DIR)")
        }
        let loaded = try judgeOptions.load(zoo: zoo, classCount: classCount)
        return (loaded.judge, loaded.name, loaded.reference)
    }

    private func settingsList() throws -> [SamplingSettings] {
        let stepCounts = try TrainCommand.integers(steps, option: "--steps")
        let integrators = try samplers.split(separator: ",").map { name in
            guard let integrator = Integrator(rawValue: name.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError(
                    "--samplers: unknown integrator '\(name)'; use \(Integrator.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return integrator
        }
        let scales = try guidance.split(separator: ",").map { text in
            guard let value = Double(text.trimmingCharacters(in: .whitespaces)), value >= 0, value.isFinite else {
                throw ValidationError("--guidance takes comma-separated non-negative numbers, got '\(guidance)'")
            }
            return value
        }
        guard samples >= 2 else { throw ValidationError("--samples must be at least 2 (a covariance needs two samples)") }
        let all = integrators.flatMap { integrator in
            scales.flatMap { scale in stepCounts.map { SamplingSettings(integrator: integrator, steps: $0, guidance: scale) } }
        }
        guard !all.isEmpty else { throw EvaluationError.noSettings }
        return all
    }

    static func summary(_ row: EvaluationRow) -> String {
        var parts = ["NFE \(row.networkEvaluations)", String(format: "%.1f img/s", row.imagesPerSecond)]
        parts += quality(row.frechetDistance, row.multiLayerFrechetDistance, row.multiLayerKernelDistance, row.classAccuracy)
        if let sw = row.slicedWasserstein { parts.append(String(format: "SW %.4f", sw)) }
        return parts.joined(separator: ", ")
    }

    static func summary(_ floor: RealDataFloor) -> String {
        quality(
            floor.frechetDistance, floor.multiLayerFrechetDistance, floor.multiLayerKernelDistance,
            floor.classAccuracy
        ).joined(separator: ", ")
    }

    private static func quality(_ fd: Double?, _ multiFD: Double?, _ kid: Double?, _ accuracy: Double?) -> [String] {
        var parts: [String] = []
        if let fd { parts.append(String(format: "FD %.3f", fd)) }
        if let multiFD { parts.append(String(format: "FD multi %.3f", multiFD)) }
        if let kid { parts.append(String(format: "KID×1e3 %.2f", kid * 1000)) }
        if let accuracy { parts.append(String(format: "class acc %.1f %%", accuracy * 100)) }
        return parts
    }
}
