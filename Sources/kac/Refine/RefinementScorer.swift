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
import Training
import Vocabulary

struct RefinementScorer {
    enum Judges {
        case images(first: ClassifierJudge, second: ClassifierJudge?, evaluator: SampleEvaluator)
        case points(PointCloudEvaluator)
        case none
    }

    let judges: Judges

    init(command: RefineCommand, store: ModelStore, classCount: Int, dataset: String?) throws {
        // Training runs record 2-D data by its kebab name; older ones as `toy:NAME`.
        let name = dataset.map { $0.hasPrefix("toy:") ? String($0.dropFirst(4)) : $0 }
        if let toy = ToyDataset.allCases.first(where: { $0.kebabName == name }) {
            judges = .points(PointCloudEvaluator(dataset: toy, sampleCount: command.evalSamples, seed: command.evalSeed))
            return
        }
        guard command.judgeOptions.classifier != "none", command.evalSamples >= 2 else {
            judges = .none
            return
        }
        let first = try command.judgeOptions.load(zoo: command.zoo, classCount: classCount)
        var secondOptions = command.judgeOptions
        secondOptions.classifier = command.secondClassifier
        let second = command.secondClassifier == "none" ? nil : try secondOptions.load(zoo: command.zoo, classCount: classCount)
        let evaluator = SampleEvaluator(judge: first.judge, sampleCount: command.evalSamples, seed: command.evalSeed)
        judges = .images(first: first, second: second, evaluator: evaluator)
    }

    /// Evaluation rows (one per judge, `model` = the judge's name) and a one-line summary.
    func score(
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

    static func describe(_ row: EvaluationRow) -> String {
        String(
            format: "%@: FD %.2f KID×1e3 %.2f acc %.3f", row.model, row.frechetDistance ?? .nan,
            1000 * (row.multiLayerKernelDistance ?? .nan), row.classAccuracy ?? .nan)
    }
}
