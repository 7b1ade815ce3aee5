// The guidance-scale input of a guidance-conditioned student (KAC.md §7, "whether the student sees
// the guidance scale as an input"): s [N] → sinusoid(s) → Linear → [N, out], added by the network
// to its time conditioning. Invariant: the Linear starts at zero (weight and bias), so a network
// given these parameters on top of a teacher's weights computes exactly the teacher's output.
import TensorCore

public struct GuidanceEmbedding: Sendable {
    /// Guidance scales live in about [0, 10] (s = 1 unguided). Frequencies run from 1 rad per unit
    /// of s down to 1/100 of that: the fastest turns by 2 rad over s ∈ [1, 3], the slowest are
    /// nearly linear in s, so the features are smooth in s and distinct across the whole range.
    public static let scaleFactor: Float = 1
    public static let maximumPeriod: Float = 100

    public let sinusoid: SinusoidalTimeEmbedding
    /// [sinusoid width, out], zero-initialised.
    public let linear: Linear

    /// Registers `name.linear.weight` [sinusoidWidth, outputWidth] and `name.linear.bias` [outputWidth],
    /// both zero (draws nothing from `random`, so the other layers' initial values do not move).
    public init(name: String, sinusoidWidth: Int, outputWidth: Int, parameters: inout ParameterSet, random: inout RandomSource) {
        sinusoid = SinusoidalTimeEmbedding(width: sinusoidWidth, timeScale: Self.scaleFactor, maximumPeriod: Self.maximumPeriod)
        linear = Linear(
            name: name + ".linear", inputWidth: sinusoidWidth, outputWidth: outputWidth, zeroInitialized: true,
            parameters: &parameters, random: &random)
    }

    /// scales [N] → [N, outputWidth].
    public func forward(_ scales: [Float], parameters: ParameterSet) -> (output: Tensor, cache: Linear.Cache) {
        precondition(scales.allSatisfy(\.isFinite), "GuidanceEmbedding: guidance scales must be finite")
        return linear.forward(sinusoid.forward(scales), parameters: parameters)
    }

    /// Accumulates dWeight and dBias (scales are not differentiated).
    public func backward(_ dOutput: Tensor, cache: Linear.Cache, parameters: ParameterSet, gradients: inout ParameterSet) {
        linear.accumulateGradients(dOutput, cache: cache, parameters: parameters, gradients: &gradients)
    }

    /// Multiply–accumulates of one sample's forward pass.
    public var multiplyAccumulates: Int { linear.inputWidth * linear.outputWidth }
}
