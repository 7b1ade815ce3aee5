// Scoring image students for distillation: each finished stage's student is sampled at its own
// setting (Euler, its step count, s = 1 with guidance baked in or a guidance-conditioned student's
// default scale) and judged like `kac eval` does — Fréchet distances of classifier features
// (penultimate and multi-layer) and KID to the test set, class accuracy, images/s. The row goes into the stage report and from there into the
// published manifest.
import KacFlow

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
