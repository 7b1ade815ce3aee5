// The contract between velocity networks and their users (trainer, samplers, renderer, distiller).
// Invariant: `parameters` is the whole learnable state; assigning a ParameterSet with the same layout
// (e.g. an EMA shadow or a loaded checkpoint) fully replaces the model.
import TensorCore

public protocol VelocityNetwork: AnyObject {
    var parameters: ParameterSet { get set }
    /// x: [N, H, W, C] for images ([N, D] for the MLP); times: [N] in [0, T]; labels: [N], classCount = null label.
    func velocity(_ x: Tensor, times: [Float], labels: [Int]) -> Tensor
    /// Mean-squared error between velocity(x) and target (same shape as x), with parameter gradients.
    func lossAndGradients(_ x: Tensor, times: [Float], labels: [Int], target: Tensor) -> (loss: Float, gradients: ParameterSet)
}

/// Elementwise sum of two tensors of the same shape (residual connections).
func adding(_ a: Tensor, _ b: Tensor) -> Tensor {
    precondition(a.shape == b.shape, "adding: \(a.shape) vs \(b.shape)")
    var sum = a
    sum.scalars.withUnsafeMutableBufferPointer { s in
        b.scalars.withUnsafeBufferPointer { b in
            guard let s = s.baseAddress, let b = b.baseAddress else { return }
            parallelRanges(a.count, costPerItem: 1) { range in
                for i in range { s[i] += b[i] }
            }
        }
    }
    return sum
}

/// a += b in place (gradient fan-in).
func accumulate(_ a: inout Tensor, _ b: Tensor) {
    precondition(a.shape == b.shape, "accumulate: \(a.shape) vs \(b.shape)")
    let count = b.count
    a.scalars.withUnsafeMutableBufferPointer { s in
        b.scalars.withUnsafeBufferPointer { b in
            guard let s = s.baseAddress, let b = b.baseAddress else { return }
            parallelRanges(count, costPerItem: 1) { range in
                for i in range { s[i] += b[i] }
            }
        }
    }
}
