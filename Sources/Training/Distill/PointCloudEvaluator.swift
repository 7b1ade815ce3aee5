// Scoring 2-D generators for distillation: sliced Wasserstein distance between generated points and
// a fresh sample of the toy target, labels cycling over the classes (the target's own class mix).
// Deterministic: the target draw, the prior seed and the projections are all fixed by `seed`.
import Generation
import KacFlow
import TensorCore
import Vocabulary

public struct PointCloudEvaluator: Sendable {
    public let dataset: ToyDataset
    public let sampleCount: Int
    public let seed: UInt64
    /// [sampleCount, 2]
    public let target: Tensor

    public init(dataset: ToyDataset, sampleCount: Int = 2000, seed: UInt64 = 1234) {
        self.dataset = dataset
        self.sampleCount = sampleCount
        self.seed = seed
        var random = RandomSource(seed: seed, stream: 7)
        self.target = dataset.sample(count: sampleCount, random: &random).samples
    }

    /// SW₂ of `generator` sampled with `settings` to the target.
    public func distance(_ generator: Generator, settings: SamplingSettings) -> Double {
        let classCount = dataset.classNames.count
        let labels = (0..<sampleCount).map { $0 % classCount }
        let samples = generator.generate(labels: labels, seed: seed, firstIndex: 0, settings: settings).samples
        return SlicedWasserstein.distance(samples, target)
    }

    /// SW₂ of a second target sample of the same size: the floor any model can reach.
    public var samplingNoise: Double {
        var random = RandomSource(seed: seed, stream: 8)
        return SlicedWasserstein.distance(dataset.sample(count: sampleCount, random: &random).samples, target)
    }

    /// A stage evaluator reporting `slicedWasserstein` at the student's own setting.
    public func evaluator() -> StageEvaluator {
        { student in
            StageEvaluation(metrics: ["slicedWasserstein": distance(student.generator, settings: student.settings)])
        }
    }
}
