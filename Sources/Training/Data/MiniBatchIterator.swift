// Seeded, shuffled mini-batches of dataset indices, epoch after epoch, without end. Each epoch is
// a fresh Fisher–Yates permutation drawn from the iterator's RandomSource; the last partial batch
// of an epoch is dropped so every batch has the same shape.
// Invariant: `position` (epoch, index within the epoch, generator state at the epoch's start) is
// all the state there is, so a resumed iterator yields exactly the batches the original would.
import Generation
import TensorCore

public struct MiniBatchIterator: Sendable, Equatable {
    /// The checkpointable part; store it with the trainer's checkpoint.
    public struct Position: Codable, Sendable, Equatable {
        /// Epochs completed.
        public var epoch: Int
        /// Next batch's first position in the epoch's permutation.
        public var index: Int
        /// RandomSource state before this epoch's permutation was drawn.
        public var epochRandomState: [UInt64]
    }

    public let datasetCount: Int
    public let batchSize: Int
    public private(set) var position: Position
    /// This epoch's order of dataset indices.
    private var permutation: [Int]
    /// Generator state after drawing `permutation`: the next epoch's starting state.
    private var nextEpochState: [UInt64]

    /// A new iterator over `datasetCount` items starting at epoch 0.
    public init(datasetCount: Int, batchSize: Int, seed: UInt64) {
        self.init(
            datasetCount: datasetCount, batchSize: batchSize,
            resumingFrom: Position(epoch: 0, index: 0, epochRandomState: RandomSource(seed: seed).state))
    }

    /// An iterator that continues exactly where the one that reported `position` stood.
    public init(datasetCount: Int, batchSize: Int, resumingFrom position: Position) {
        precondition(
            batchSize >= 1 && batchSize <= datasetCount,
            "MiniBatchIterator: batch size \(batchSize) must be in 1...\(datasetCount) (the dataset size)")
        precondition(position.index >= 0 && position.index <= datasetCount, "MiniBatchIterator: bad index \(position.index)")
        self.datasetCount = datasetCount
        self.batchSize = batchSize
        self.position = position
        var random = RandomSource(state: position.epochRandomState)
        self.permutation = Self.shuffled(count: datasetCount, random: &random)
        self.nextEpochState = random.state
    }

    /// Batches per epoch (the partial remainder is dropped).
    public var batchesPerEpoch: Int { datasetCount / batchSize }

    /// The next batch of `batchSize` distinct dataset indices.
    public mutating func next() -> [Int] {
        if position.index + batchSize > datasetCount {
            // Next epoch: its permutation continues the generator stream of this one.
            position = Position(epoch: position.epoch + 1, index: 0, epochRandomState: nextEpochState)
            var random = RandomSource(state: nextEpochState)
            permutation = Self.shuffled(count: datasetCount, random: &random)
            nextEpochState = random.state
        }
        let batch = Array(permutation[position.index..<(position.index + batchSize)])
        position.index += batchSize
        return batch
    }

    /// Fisher–Yates permutation of 0..<count.
    private static func shuffled(count: Int, random: inout RandomSource) -> [Int] {
        var order = Array(0..<count)
        if count > 1 {
            for i in stride(from: count - 1, to: 0, by: -1) {
                order.swapAt(i, random.index(below: i + 1))
            }
        }
        return order
    }
}
