// Scoring image students for distillation: each finished stage's student is sampled at its own
// setting (Euler, its step count, s = 1 with guidance baked in or a guidance-conditioned student's
// default scale) and judged like `kac eval` does — Fréchet distances of classifier features
// (penultimate and multi-layer) and KID to the test set, class accuracy, images/s. The row goes into the stage report and from there into the
// published manifest.
import KacFlow
import Vocabulary

public struct ImageStageEvaluator {
    public let evaluator: SampleEvaluator
    /// The judge's name for the row's model column ("fashion-mnist/classifier@1").
    public let judgeName: String

    public init(evaluator: SampleEvaluator, judgeName: String) {
        self.evaluator = evaluator
        self.judgeName = judgeName
    }

    public func evaluator(log: @escaping (String) -> Void = { _ in }) -> StageEvaluator {
        { student in
            let row = evaluator.evaluate(student.generator, model: student.stage.directoryName, settings: student.settings)
            var metrics = ["imagesPerSecond": row.imagesPerSecond]
            if let fd = row.frechetDistance { metrics["frechetDistance"] = fd }
            if let fd = row.multiLayerFrechetDistance { metrics["multiLayerFrechetDistance"] = fd }
            if let kid = row.multiLayerKernelDistance { metrics["multiLayerKernelDistance"] = kid }
            if let accuracy = row.classAccuracy { metrics["classAccuracy"] = accuracy }
            log("\(student.stage.directoryName): \(evaluator.sampleCount) samples judged by \(judgeName)")
            return StageEvaluation(evaluations: [row.manifestResult(judge: judgeName)], metrics: metrics)
        }
    }
}

extension ImageStageEvaluator {
    /// How a distillation of `dataName` scores its students: sliced Wasserstein for a toy set; for
    /// images the judge of `settings` on `sampleCount` samples of `seed` — or nil (said through `log`)
    /// when the classifier is "none" or a folder's data has no reference folder to compare with.
    public static func forData(
        _ dataName: String, classCount: Int, judge settings: ClassifierJudge.Settings, zooPath: String, sampleCount: Int,
        seed: UInt64, log: @escaping (String) -> Void
    ) throws -> StageEvaluator? {
        if let toy = ToyDataset(kebabName: dataName) { return PointCloudEvaluator(dataset: toy).evaluator() }
        guard settings.classifier != "none" else {
            log("students are not evaluated (--classifier none); use `kac eval --model …` later")
            return nil
        }
        guard dataName == DatasetName.fashionMNIST.text || settings.referenceFolder != nil else {
            log(
                "students are not evaluated: a model of '\(dataName)' needs --reference DIR (held-out images) and a --classifier trained on that data"
            )
            return nil
        }
        guard sampleCount >= 2 else { throw DistillationError.invalidConfiguration("--eval-samples must be at least 2") }
        let judge = try settings.load(zooPath: zooPath, classCount: classCount, log: log)
        let evaluator = SampleEvaluator(judge: judge.judge, sampleCount: sampleCount, seed: seed)
        return ImageStageEvaluator(evaluator: evaluator, judgeName: judge.name).evaluator(log: log)
    }
}
