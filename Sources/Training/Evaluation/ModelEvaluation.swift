// `kac eval`'s evaluation, callable without a process: every candidate at every setting of the grid
// (a student only at its own), `sampleCount` samples with one seed and labels cycling through the
// classes, judged by the evaluation classifier (images; the real-data floor as a last row) or by
// sliced Wasserstein distance to fresh target points (2-D toy data). Each row can keep its samples
// (SavedSamples) for another judge to score later.
import Foundation
import TensorCore
import Vocabulary

public struct ModelEvaluation {
    public var candidates: [EvaluationCandidate]
    /// The sampler × guidance × step-count grid.
    public var settings: [SamplingSettings]
    public var sampleCount: Int
    public var seed: UInt64
    /// Samples per generator call (memory and speed only; results do not change).
    public var batchSize: Int
    /// The models' data set; nil: the one they record (`EvaluationCandidate.commonDataset`).
    public var dataName: String?
    public var judgeSettings: ClassifierJudge.Settings
    public var zooPath: String
    /// Where each row's samples are written (SavedSamples); nil: nowhere.
    public var samplesDirectory: String?

    public init(
        candidates: [EvaluationCandidate], settings: [SamplingSettings], sampleCount: Int, seed: UInt64, batchSize: Int,
        dataName: String?, judgeSettings: ClassifierJudge.Settings, zooPath: String, samplesDirectory: String?
    ) {
        self.candidates = candidates
        self.settings = settings
        self.sampleCount = sampleCount
        self.seed = seed
        self.batchSize = batchSize
        self.dataName = dataName
        self.judgeSettings = judgeSettings
        self.zooPath = zooPath
        self.samplesDirectory = samplesDirectory
    }

    /// Every integrator × scale × step count, in that nesting order; an empty grid is refused.
    public static func grid(integrators: [Integrator], scales: [Double], stepCounts: [Int]) throws -> [SamplingSettings] {
        let all = integrators.flatMap { integrator in
            scales.flatMap { scale in stepCounts.map { SamplingSettings(integrator: integrator, steps: $0, guidance: scale) } }
        }
        guard !all.isEmpty else { throw EvaluationError.noSettings }
        return all
    }

    /// Evaluates every candidate; `log` hears one line a row (and the judge's loading).
    public func run(log: (String) -> Void) throws -> EvaluationReport {
        guard let first = candidates.first else {
            throw EvaluationError.invalidOptions("nothing to evaluate: pass --model REF (a zoo teacher or student) or --run DIR")
        }
        let dataName = try dataset()
        let judge = try judge(dataName: dataName, classCount: first.generator.nullLabel, log: log)
        let evaluator = SampleEvaluator(judge: judge.judge, sampleCount: sampleCount, seed: seed, batchSize: batchSize)
        var rows: [EvaluationRow] = []
        for candidate in candidates {
            for setting in candidate.ownSetting.map({ [$0] }) ?? settings {
                rows.append(try evaluate(candidate, at: setting, with: evaluator, log: log))
            }
        }
        let floor = try judgeSettings.realDataFloor(evaluator, dataName: dataName, log: log)
        var report = EvaluationReport(judge: judge.name, reference: judge.reference, seed: seed, rows: rows, floor: floor)
        report.classNames = first.classNames
        return report
    }

    private func evaluate(
        _ candidate: EvaluationCandidate, at setting: SamplingSettings, with evaluator: SampleEvaluator, log: (String) -> Void
    ) throws -> EvaluationRow {
        let title = "eval \(setting.integrator.rawValue) \(setting.steps) steps s=\(setting.guidance)"
        let progress = ProgressReporter(
            title: title, total: sampleCount, interactive: ProgressReporter.standardErrorIsTerminal, minimumLineInterval: 30)
        var generated: (samples: Tensor, labels: [Int])?
        let row = evaluator.evaluate(
            candidate.generator, model: candidate.label, settings: setting,
            onBatch: { progress.update(completed: $0, fields: ["samples"]) },
            onSamples: { samples, labels in if samplesDirectory != nil { generated = (samples, labels) } })
        if let generated, let samplesDirectory {
            try SavedSamples.write(
                generated.samples, labels: generated.labels, model: candidate.label, settings: setting, seed: seed,
                evaluations: row.networkEvaluations, to: samplesDirectory)
        }
        log("eval \(candidate.label) \(setting.integrator.rawValue) steps \(setting.steps) s=\(setting.guidance): " + row.summary)
        return row
    }

    /// The data set asked for (`dataName`), else the one every candidate records.
    private func dataset() throws(EvaluationError) -> DatasetName {
        guard let dataName else { return try EvaluationCandidate.commonDataset(candidates) }
        do { return try DatasetName(parsing: dataName) } catch { throw .invalidDatasetName(source: "--data", error) }
    }

    /// Sliced Wasserstein to fresh target points for a toy set; else the classifier judge, which
    /// needs Fashion-MNIST or a held-out reference folder of the models' own data.
    private func judge(
        dataName: DatasetName, classCount: Int, log: (String) -> Void
    ) throws -> (judge: SampleJudge, name: String, reference: String) {
        if let toy = ToyDataset(kebabName: dataName.text) {
            var random = RandomSource(seed: seed, stream: 77)
            let target = toy.sample(count: sampleCount, random: &random).samples
            return (
                .slicedWasserstein(target: target), "sliced-wasserstein",
                "\(sampleCount) fresh samples of \(dataName) (seed \(seed))"
            )
        }
        guard dataName == .fashionMNIST || judgeSettings.referenceFolder != nil else {
            throw EvaluationError.invalidOptions(
                Reason(
                    "the models were trained on '\(dataName)': give --reference DIR (held-out images of it, one subfolder per class) "
                        + "and a --classifier trained on that data (kac classifier train --data DIR)"))
        }
        let loaded = try judgeSettings.load(zooPath: zooPath, classCount: classCount, log: log)
        return (loaded.judge, loaded.name, loaded.reference)
    }
}
