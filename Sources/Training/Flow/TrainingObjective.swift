// What a training step regresses the network onto. Flow matching (KAC.md §4) and endpoint
// distillation (§7) differ only here: both produce inputs (x, t, y) and a velocity target, and the
// trainer minimises the mean squared error between u_θ(x, t, y) and the target.
import KacFlow
import TensorCore

public struct TrainingBatch: Sendable {
    /// [N, ...sample shape]
    public var inputs: Tensor
    /// [N]
    public var times: [Float]
    /// [N]; the null label is the architecture's classCount.
    public var labels: [Int]
    /// [N, ...sample shape]
    public var target: Tensor
    /// [N] guidance scales, for a guidance-conditioned network only (distillation over a range of s).
    public var guidance: [Float]? = nil
}

public protocol TrainingObjective {
    /// Builds the batch for dataset rows `indices`, drawing all randomness from `random`.
    func batch(indices: [Int], random: inout RandomSource) -> TrainingBatch
}

/// Kac flow matching: x_t = f(t)x₀ + K(g(t)), target u(t, x_t | x₀), labels dropped to ∅ with
/// probability `labelDropout` so the same network also learns the unconditional field.
public struct FlowMatchingObjective: TrainingObjective {
    public let dataset: LabeledDataset
    public let path: KacPath
    public let labelDropout: Double
    public let nullLabel: Int

    public init(dataset: LabeledDataset, path: KacPath, labelDropout: Double, nullLabel: Int) {
        self.dataset = dataset
        self.path = path
        self.labelDropout = labelDropout
        self.nullLabel = nullLabel
    }

    public func batch(indices: [Int], random: inout RandomSource) -> TrainingBatch {
        let (data, dataLabels) = dataset.batch(indices: indices)
        let times = path.sampleTimes(count: indices.count, random: &random)
        let labels = dataLabels.map { random.uniform() < labelDropout ? nullLabel : $0 }
        let noised = path.noise(data, times: times, random: &random)
        return TrainingBatch(inputs: noised.noised, times: times, labels: labels, target: noised.target)
    }
}
