// How `kac refine` scores its EMA generator: images by the evaluation classifier (FD, KID, class
// accuracy, as `kac eval` does) and by a second, independent classifier on the very same samples;
// 2-D toy data by sliced Wasserstein distance to fresh target points. Neither judge takes part in
// training — they only report.
import Foundation
import Generation
import KacFlow
import ModelStore
import NeuralNet
import TensorCore
import Vocabulary

public struct RefinementScorer {
    public enum Judges {
        case images(first: ClassifierJudge, second: ClassifierJudge?, evaluator: SampleEvaluator)
        case points(PointCloudEvaluator)
        case none
    }

    public let judges: Judges

    /// - Parameters:
    ///   - judge: the first judge's settings; its classifier "none" (or fewer than 2 samples) scores nothing.
    ///   - secondClassifier: a second classifier scoring the same samples ("none": no second judge).
    ///   - dataset: the student's data set as its manifest records it (a toy set's kebab name for 2-D data).
    public init(
        judge: ClassifierJudge.Settings, secondClassifier: String, sampleCount: Int, seed: UInt64, zooPath: String,
        classCount: Int, dataset: String?, log: (String) -> Void
    ) throws {
        if let toy = dataset.flatMap(ToyDataset.init(kebabName:)) {
            judges = .points(PointCloudEvaluator(dataset: toy, sampleCount: sampleCount, seed: seed))
            return
        }
        guard judge.classifier != "none", sampleCount >= 2 else {
            judges = .none
            return
        }
        let first = try judge.load(zooPath: zooPath, classCount: classCount, log: log)
        var secondSettings = judge
        secondSettings.classifier = secondClassifier
        let second = secondClassifier == "none" ? nil : try secondSettings.load(zooPath: zooPath, classCount: classCount, log: log)
        let evaluator = SampleEvaluator(judge: first.judge, sampleCount: sampleCount, seed: seed)
        judges = .images(first: first, second: second, evaluator: evaluator)
    }

    /// Evaluation rows (one per judge, `model` = the judge's name) and a one-line summary.
    public func score(
        _ network: any VelocityNetwork, architecture: NetworkArchitecture, path: KacPath.Configuration,
        settings: SamplingSettings, step: Int
    ) -> (rows: [EvaluationRow], line: String) {
        let generator = Generator(network: network, architecture: architecture, path: path)
        switch judges {
        case .none:
            return ([], "not evaluated (--classifier none)")
        case .points(let evaluator):
            let distance = evaluator.distance(generator, settings: settings)
            return ([], String(format: "sliced Wasserstein %.5f (target-vs-target floor %.5f)", distance, evaluator.samplingNoise))
        case .images(let first, let second, let evaluator):
            var samples: (images: TensorCore.Tensor, labels: [Int])?
            var row = evaluator.evaluate(generator, model: first.name, settings: settings, onSamples: { samples = ($0, $1) })
            row.model = first.name
            var rows = [row]
            var line = Self.describe(row)
            if let second, let samples {
                var secondEvaluator = evaluator
                secondEvaluator.judge = second.judge
                var other = row
                other.model = second.name
                secondEvaluator.score(samples.images, labels: samples.labels, into: &other)
                rows.append(other)
                line += " | " + Self.describe(other)
            }
            return (rows, line)
        }
    }

    public static func describe(_ row: EvaluationRow) -> String {
        String(
            format: "%@: FD %.2f KID×1e3 %.2f acc %.3f", row.model, row.frechetDistance ?? .nan,
            1000 * (row.multiLayerKernelDistance ?? .nan), row.classAccuracy ?? .nan)
    }
}
