// The contract between velocity networks and their users (trainer, samplers, renderer, distiller).
// Invariant: `parameters` is the whole learnable state; assigning a ParameterSet with the same layout
// (e.g. an EMA shadow or a loaded checkpoint) fully replaces the model. `guidance` (one scale s per
// sample) is given exactly when `hasGuidanceInput`: a guidance-conditioned student needs it, any
// other network refuses it (a precondition), so a scale can never be silently ignored.
import TensorCore

public protocol VelocityNetwork: AnyObject {
    var parameters: ParameterSet { get set }
    /// Whether the network takes the classifier-free guidance scale as an input (a student
    /// distilled over a range of scales); such a network is sampled in one pass at any scale.
    var hasGuidanceInput: Bool { get }
    /// x: [N, H, W, C] for images ([N, D] for the MLP); times: [N] in [0, T]; labels: [N], classCount = null label;
    /// guidance: [N] scales when `hasGuidanceInput`, else nil.
    func velocity(_ x: Tensor, times: [Float], labels: [Int], guidance: [Float]?) -> Tensor
    /// Mean-squared error between velocity(x) and target (same shape as x), with parameter gradients.
    func lossAndGradients(
        _ x: Tensor, times: [Float], labels: [Int], guidance: [Float]?,
        target: Tensor
    ) -> (loss: Float, gradients: ParameterSet)
}

extension VelocityNetwork {
    /// A network without a guidance input.
    public func velocity(_ x: Tensor, times: [Float], labels: [Int]) -> Tensor {
        velocity(x, times: times, labels: labels, guidance: nil)
    }

    /// A network without a guidance input.
    public func lossAndGradients(_ x: Tensor, times: [Float], labels: [Int], target: Tensor) -> (loss: Float, gradients: ParameterSet) {
        lossAndGradients(x, times: times, labels: labels, guidance: nil, target: target)
    }
}

/// The shared check of the guidance contract; `network` names the caller in the message.
func checkGuidance(_ guidance: [Float]?, count: Int, hasGuidanceInput: Bool, network: String) {
    if hasGuidanceInput {
        precondition(
            guidance?.count == count,
            "\(network) takes a guidance scale per sample: got \(guidance.map { "\($0.count)" } ?? "none") for \(count) samples")
    } else {
        precondition(guidance == nil, "\(network) has no guidance input (guidanceInput is false); use classifier-free guidance")
    }
}
