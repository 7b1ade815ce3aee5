// An in-memory labelled dataset: samples [N, ...] with one class label each, plus the class names.
// Every dataset reader (Fashion-MNIST, the 2-D toys) returns one, and trainers take batches of it
// by index lists from a MiniBatchIterator.
// Invariant: samples.shape[0] == labels.count, and every label is in 0..<classNames.count.
import TensorCore

public struct LabeledDataset: Sendable, Equatable {
    /// [N, ...] (images are [N, H, W, C], NHWC; points are [N, 2]).
    public var samples: Tensor
    /// [N], class indices.
    public var labels: [Int]
    /// Name of each class, by index.
    public var classNames: [String]

    public init(samples: Tensor, labels: [Int], classNames: [String]) {
        precondition(
            samples.rank >= 1 && samples.shape[0] == labels.count,
            "LabeledDataset: samples \(samples.shape) but \(labels.count) labels")
        precondition(
            labels.allSatisfy { (0..<classNames.count).contains($0) },
            "LabeledDataset: a label is outside 0..<\(classNames.count)")
        self.samples = samples
        self.labels = labels
        self.classNames = classNames
    }

    public var count: Int { labels.count }

    /// Shape of one sample (the trailing axes).
    public var sampleShape: [Int] { Array(samples.shape.dropFirst()) }

    /// Class index of `name` (exact match, case-insensitive), or nil.
    public func classIndex(named name: String) -> Int? {
        classNames.firstIndex { $0.lowercased() == name.lowercased() }
    }

    /// The samples and labels at `indices`, in that order: samples [B, ...], labels [B].
    public func batch(indices: [Int]) -> (samples: Tensor, labels: [Int]) {
        let perSample = sampleShape.reduce(1, *)
        var scalars = [Float](repeating: 0, count: indices.count * perSample)
        samples.scalars.withUnsafeBufferPointer { source in
            scalars.withUnsafeMutableBufferPointer { destination in
                for (row, index) in indices.enumerated() {
                    precondition((0..<count).contains(index), "batch index \(index) outside 0..<\(count)")
                    let from = source.baseAddress.map { $0 + index * perSample }
                    let to = destination.baseAddress.map { $0 + row * perSample }
                    if let from, let to { to.update(from: from, count: perSample) }
                }
            }
        }
        return (Tensor(shape: [indices.count] + sampleShape, scalars: scalars), indices.map { labels[$0] })
    }
}

extension LabeledDataset {
    /// Refuses a batch size the data cannot fill (a mini-batch iterator would stop the process).
    public func checkBatchSize(_ batchSize: Int, source: String) throws(DatasetError) {
        guard batchSize >= 1, batchSize <= count else {
            throw DatasetError.tooFewSamples(source: source, count: count, batchSize: batchSize)
        }
    }
}
