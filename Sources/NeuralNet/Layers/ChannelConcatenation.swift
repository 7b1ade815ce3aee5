// Concatenation along the last (channel) axis of two channels-last tensors with equal leading axes
// (the UNet's skip connections); backward splits the gradient back into the two parts.
import TensorCore

public enum ChannelConcatenation {
    /// first [..., C1], second [..., C2] → [..., C1 + C2].
    public static func forward(_ first: Tensor, _ second: Tensor) -> Tensor {
        precondition(
            first.rank == second.rank && first.shape.dropLast() == second.shape.dropLast(),
            "ChannelConcatenation: \(first.shape) and \(second.shape) differ before the channel axis")
        let (c1, c2) = (first.shape[first.rank - 1], second.shape[second.rank - 1])
        let rows = first.count / max(c1, 1)
        var output = Tensor.uninitialized(Array(first.shape.dropLast()) + [c1 + c2])
        first.scalars.withUnsafeBufferPointer { a in
            second.scalars.withUnsafeBufferPointer { b in
                output.scalars.withUnsafeMutableBufferPointer { y in
                    guard let a = a.baseAddress, let b = b.baseAddress, let y = y.baseAddress else { return }
                    parallelRanges(rows, costPerItem: c1 + c2) { range in
                        for row in range {
                            (y + row * (c1 + c2)).update(from: a + row * c1, count: c1)
                            (y + row * (c1 + c2) + c1).update(from: b + row * c2, count: c2)
                        }
                    }
                }
            }
        }
        return output
    }

    /// dOutput [..., C1 + C2] → (dFirst [..., C1], dSecond [..., C2]).
    public static func backward(_ dOutput: Tensor, firstChannels c1: Int) -> (dFirst: Tensor, dSecond: Tensor) {
        let total = dOutput.shape[dOutput.rank - 1], c2 = total - c1
        precondition(c1 > 0 && c2 > 0, "ChannelConcatenation: cannot split \(dOutput.shape) after \(c1) channels")
        let rows = dOutput.count / total
        let leading = Array(dOutput.shape.dropLast())
        var dFirst = Tensor.uninitialized(leading + [c1]), dSecond = Tensor.uninitialized(leading + [c2])
        dOutput.scalars.withUnsafeBufferPointer { dy in
            dFirst.scalars.withUnsafeMutableBufferPointer { da in
                dSecond.scalars.withUnsafeMutableBufferPointer { db in
                    guard let dy = dy.baseAddress, let da = da.baseAddress, let db = db.baseAddress else { return }
                    parallelRanges(rows, costPerItem: total) { range in
                        for row in range {
                            (da + row * c1).update(from: dy + row * total, count: c1)
                            (db + row * c2).update(from: dy + row * total + c1, count: c2)
                        }
                    }
                }
            }
        }
        return (dFirst, dSecond)
    }
}
