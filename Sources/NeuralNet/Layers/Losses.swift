// Loss functions. Both return the mean loss (accumulated in Double, so a batch of 128 images sums
// without Float round-off) and the gradient of that mean with respect to the prediction.
import TensorCore

public enum MeanSquaredError {
    /// loss = mean((prediction − target)²) over every element; dPrediction = 2(prediction − target)/count.
    public static func lossAndGradient(prediction: Tensor, target: Tensor) -> (loss: Float, dPrediction: Tensor) {
        precondition(
            prediction.shape == target.shape,
            "MeanSquaredError: prediction \(prediction.shape) vs target \(target.shape)")
        var gradient = Tensor.uninitialized(prediction.shape)
        let scale = 2 / Float(max(prediction.count, 1))
        var total = 0.0
        prediction.scalars.withUnsafeBufferPointer { p in
            target.scalars.withUnsafeBufferPointer { t in
                gradient.scalars.withUnsafeMutableBufferPointer { g in
                    for i in 0..<p.count {
                        let difference = p[i] - t[i]
                        total += Double(difference * difference)
                        g[i] = scale * difference
                    }
                }
            }
        }
        return (Float(total / Double(max(prediction.count, 1))), gradient)
    }
}

public enum SoftmaxCrossEntropy {
    /// logits [N, K], labels [N] in 0..<K → mean −log softmax(logits)[label]; dLogits = (p − onehot)/N.
    public static func lossAndGradient(logits: Tensor, labels: [Int]) -> (loss: Float, dLogits: Tensor) {
        precondition(
            logits.rank == 2 && logits.shape[0] == labels.count,
            "SoftmaxCrossEntropy: logits \(logits.shape) vs \(labels.count) labels")
        let (batch, classes) = (logits.shape[0], logits.shape[1])
        precondition(labels.allSatisfy { (0..<classes).contains($0) }, "SoftmaxCrossEntropy: label outside 0..<\(classes)")
        var probabilities = logits
        var total = 0.0
        probabilities.scalars.withUnsafeMutableBufferPointer { p in
            guard let p = p.baseAddress else { return }
            softmaxRows(p, rows: batch, columns: classes)
            for (row, label) in labels.enumerated() {
                // Clamped so a confidently wrong prediction gives a large finite loss, not infinity.
                total -= Double(log(max(p[row * classes + label], Float.leastNormalMagnitude)))
                p[row * classes + label] -= 1
            }
            for i in 0..<(batch * classes) { p[i] /= Float(batch) }
        }
        return (Float(total / Double(max(batch, 1))), probabilities)
    }
}

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
