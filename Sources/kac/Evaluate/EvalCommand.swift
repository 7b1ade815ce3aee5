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
import ToolSupport
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

    @Option(name: .customLong("model"), help: "Zoo reference of a teacher or student (repeatable).") var models: [String] = []
    @Option(name: .customLong("run"), help: "Training run directory or checkpoint file; EMA weights (repeatable).") var runs: [String] = []
    @Option(help: "Step counts, comma separated.") var steps = "1,2,4,10,20,50,100"
    @Option(help: "Integrators, comma separated (euler, heun, midpoint, ab2, rk45).") var samplers = "euler,ab2"
    @Option(help: "Guidance scales, comma separated (1 = unguided).") var guidance = "1.5"
    @Option(help: "Samples per setting (labels cycle through the classes).") var samples = 1000
    @Option(help: "Seed of the generated samples (and of the toy target samples).") var seed: UInt64 = 7
    @Option(help: "Samples per generator call (memory and speed only; results do not change).") var batchSize = 100
    @Option(help: "Data the models were trained on; inferred from the model when omitted.") var data: String?
    @OptionGroup var zoo: ZooLocation
    @OptionGroup var judgeOptions: JudgeOptions
    @Option(name: .customLong("json-file"), help: "Write the report as JSON to this file.") var jsonFile: String?
    /// The old spelling, kept working: elsewhere `--json` is a flag that prints JSON on stdout.
    @Option(name: .customLong("json"), help: .hidden) var oldJSONPath: String?
    var jsonPath: String? { jsonFile ?? oldJSONPath }
    @Option(name: .customLong("plot"), help: "Write a PNG plot of quality against network evaluations.") var plotPath: String?
    @Option(
        name: .customLong("save-samples"),
        help: "Write each row's samples and labels to this directory (safetensors), for another judge to score.")
    var samplesDirectory: String?
    @Flag(help: "Evaluate students on the whole grid too, instead of only at their own setting.") var studentGrid = false
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
        if let scoreSamplesPath {
            guard models.isEmpty && runs.isEmpty else {
                throw ValidationError("--score-samples scores saved images; it takes no --model or --run")
            }
            let saved = try SavedSamples.read(scoreSamplesPath)
            // The classifier says how many classes there are; every saved label must be one of them.
            let judge = try judgeOptions.load(zoo: zoo, classCount: nil)
            return try emit(
                try SavedSamples.score(
                    saved, judge: judge, settings: judgeOptions.settings, sampleCount: samples, seed: seed, batchSize: batchSize,
                    log: Console.note))
        }
        guard !models.isEmpty || !runs.isEmpty else {
            throw ValidationError("nothing to evaluate: pass --model REF (a zoo teacher or student) or --run DIR")
        }
        let settings = try settingsList()
        let candidates =
            try
            (models.isEmpty
            ? [] : EvaluationCandidate.zooModels(models, from: try zoo.open(create: false), precision: precision, studentGrid: studentGrid))
            + runs.map(EvaluationCandidate.trainingRun)
        let evaluation = ModelEvaluation(
            candidates: candidates, settings: settings, sampleCount: samples, seed: seed, batchSize: batchSize, dataName: data,
            judgeSettings: judgeOptions.settings, zooPath: zoo.path, samplesDirectory: samplesDirectory)
        let report = try evaluation.run(log: Console.note)
        try emit(report)
        try writePlot(report.rows, judge: report.judge, samples: samples)
    }

    /// Prints the report's table and, with --json-file, writes its JSON.
    func emit(_ report: EvaluationReport) throws {
        print(report.table(), terminator: "")
        if let jsonPath {
            try report.json().write(to: URL(fileURLWithPath: jsonPath), options: .atomic)
            Console.note("wrote \(jsonPath)")
        }
    }

    private func writePlot(_ rows: [EvaluationRow], judge: String, samples: Int) throws {
        guard let plotPath else { return }
        try EvaluationPlot.write(rows, judge: judge, sampleCount: samples, to: plotPath)
        Console.note("wrote \(plotPath)")
    }

    private func settingsList() throws -> [SamplingSettings] {
        let stepCounts = try CommaSeparated.positiveIntegers(steps, option: "--steps")
        let integrators = try CommaSeparated.values(
            samplers,
            refusal: { "--samplers: unknown integrator '\($0)'; use \(Integrator.allCases.map(\.rawValue).joined(separator: ", "))" },
            Integrator.init(rawValue:))
        let scales = try CommaSeparated.values(
            guidance, refusal: { _ in "--guidance takes comma-separated non-negative numbers, got '\(guidance)'" }
        ) {
            Double($0).flatMap { $0 >= 0 && $0.isFinite ? $0 : nil }
        }
        guard samples >= 2 else { throw ValidationError("--samples must be at least 2 (a covariance needs two samples)") }
        return try ModelEvaluation.grid(integrators: integrators, scales: scales, stepCounts: stepCounts)
    }
}
