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
    /// Backpropagation of a loss the caller defines on the output: runs the network on x in parts
    /// (consecutive row ranges, in order), asks `cotangent(rows, output)` for dL/d(output) of each
    /// part, and returns the whole output with dL/dx (the vector–Jacobian product Jᵀ·cotangent).
    /// Parameter gradients of the same loss ACCUMULATE into `gradients` (the caller zeroes them; a
    /// caller that wants only dL/dx passes scratch zeros). The weights are not changed.
    func backpropagate(
        _ x: Tensor, times: [Float], labels: [Int], guidance: [Float]?,
        gradients: inout ParameterSet, cotangent: (_ rows: Range<Int>, _ output: Tensor) -> Tensor
    ) -> (output: Tensor, inputGradient: Tensor)
    /// Bytes of scratch the network keeps between sampling calls (one set per call that ran at
    /// once), for a model cache's memory budget.
    var samplingScratchBytes: Int { get }
}

extension VelocityNetwork {
    public var samplingScratchBytes: Int { 0 }
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

extension VelocityNetwork {
    /// dL/dx for a loss on the output, the weights frozen (their gradients are computed and dropped).
    public func inputGradient(
        _ x: Tensor, times: [Float], labels: [Int], guidance: [Float]? = nil,
        cotangent: (_ rows: Range<Int>, _ output: Tensor) -> Tensor
    ) -> (output: Tensor, inputGradient: Tensor) {
        var scratch = parameters.zeros()
        return backpropagate(x, times: times, labels: labels, guidance: guidance, gradients: &scratch, cotangent: cotangent)
    }

    /// Parameter gradients of ⟨outputGradient, u_θ(x)⟩: the chain rule's last link when dL/du is known.
    public func parameterGradients(
        _ x: Tensor, times: [Float], labels: [Int], guidance: [Float]? = nil, outputGradient: Tensor
    ) -> ParameterSet {
        precondition(outputGradient.shape == x.shape, "parameterGradients: output gradient \(outputGradient.shape) for x \(x.shape)")
        var gradients = parameters.zeros()
        _ = backpropagate(x, times: times, labels: labels, guidance: guidance, gradients: &gradients) { rows, _ in
            outputGradient.rows(rows)
        }
        return gradients
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
