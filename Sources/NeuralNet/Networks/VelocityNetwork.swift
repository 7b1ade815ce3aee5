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
