// The real-data floor of the image judge: n real training images scored against the test-set
// reference exactly like n generated samples. Fréchet distances are biased upward at finite n and
// the training and test images differ a little, so a perfect generator would score about this, not
// 0; the floor is measured at the evaluation's own n and seed instead of being guessed.
// Invariant: the images are drawn like the samples' labels (0, 1, …, 9, 0, …), each class without
// replacement, from a stream of the evaluation seed — the same seed gives the same images.
import TensorCore

public struct RealDataFloor: Codable, Sendable, Equatable {
    /// What was scored ("fashion-mnist train (1000 of 60000 images, seed 7)").
    public var source: String
    public var sampleCount: Int
    public var frechetDistance: Double?
    public var multiLayerFrechetDistance: Double?
    public var multiLayerKernelDistance: Double?
    public var classAccuracy: Double?

    public init(
        source: String, sampleCount: Int, frechetDistance: Double? = nil, multiLayerFrechetDistance: Double? = nil,
        multiLayerKernelDistance: Double? = nil, classAccuracy: Double? = nil
    ) {
        self.source = source
        self.sampleCount = sampleCount
        self.frechetDistance = frechetDistance
        self.multiLayerFrechetDistance = multiLayerFrechetDistance
        self.multiLayerKernelDistance = multiLayerKernelDistance
        self.classAccuracy = classAccuracy
    }

    /// Stream of the seed the images are drawn from (the generated samples use their own streams).
    static let stream: UInt64 = 91

    /// `count` images of `dataset` with labels cycling through the classes, drawn with `seed`.
    public static func subset(of dataset: LabeledDataset, count: Int, seed: UInt64) -> (images: Tensor, labels: [Int]) {
        let classCount = dataset.classNames.count
        var byClass: [[Int]] = Array(repeating: [], count: classCount)
        for (index, label) in dataset.labels.enumerated() { byClass[label].append(index) }
        precondition(
            byClass.allSatisfy { $0.count >= (count + classCount - 1) / classCount },
            "RealDataFloor: \(count) images need \((count + classCount - 1) / classCount) of every class")
        var random = RandomSource(seed: seed, stream: stream)
        for k in 0..<classCount { byClass[k].shuffle(using: &random) }
        let batch = dataset.batch(indices: (0..<count).map { byClass[$0 % classCount][$0 / classCount] })
        return (batch.samples, batch.labels)
    }
}
