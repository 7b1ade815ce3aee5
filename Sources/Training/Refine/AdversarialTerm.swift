// The adversarial term's two losses (docs/one-step-refinement.md), non-saturating GAN with an R1
// penalty on the real samples:
//   discriminator: L_D = mean softplus(−d(x_real, y)) + mean softplus(d(x₀, y)) + (γ/2)·mean‖∇ₓd(x_real, y)‖²
//   generator:     L_G = mean softplus(−d(x₀, y))          (the discriminator frozen, x₀ differentiable)
// The R1 gradient needs ∂/∂θ of an input gradient (double backpropagation), which the layers do not
// provide. Instead, with g = ∇ₓd(x) per sample: ∂/∂θ ½‖g‖² = ∂/∂θ [d(x + εg)]'(ε = 0), taken as the central
// difference (∇_θ d(x + εg) − ∇_θ d(x − εg)) / 2ε — exact up to O(ε²) (checked in AdversarialTermTests
// against finite differences of the penalty itself). Cost: three extra discriminator passes on the reals.
import Foundation
import NeuralNet
import TensorCore

public enum AdversarialTerm {
    @inline(__always) static func softplus(_ x: Float) -> Float { x > 0 ? x + log1p(exp(-x)) : log1p(exp(x)) }
    @inline(__always) static func sigmoid(_ x: Float) -> Float { x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x)) }

    /// Mean per-sample norm of the R1 probe's displacement εg (small against pixel and point scales of 1).
    static let probeNorm: Float = 1e-2

    public struct CriticUpdate {
        /// L_D without the penalty.
        public var loss: Float
        public var meanRealLogit: Float
        public var meanFakeLogit: Float
        /// mean‖∇ₓd(x_real)‖² (before the factor γ/2).
        public var gradientPenalty: Float
        public var gradients: ParameterSet
    }

    /// L_D's value and parameter gradients; `r1Weight` is γ (0: no penalty, and no extra passes).
    public static func discriminatorGradients(
        _ d: Discriminator, real: Tensor, realLabels: [Int], fake: Tensor, fakeLabels: [Int], r1Weight: Double
    ) -> CriticUpdate {
        var gradients = d.parameters.zeros()
        let (realCount, fakeCount) = (Float(real.shape[0]), Float(fake.shape[0]))
        var loss: Float = 0
        let realLogits = d.backpropagate(real, labels: realLabels, gradients: &gradients) { logits in
            loss += logits.reduce(0) { $0 + softplus(-$1) } / realCount
            return logits.map { -sigmoid(-$0) / realCount }
        }.logits
        let fakeLogits = d.backpropagate(fake, labels: fakeLabels, gradients: &gradients) { logits in
            loss += logits.reduce(0) { $0 + softplus($1) } / fakeCount
            return logits.map { sigmoid($0) / fakeCount }
        }.logits
        var penalty: Float = 0
        if r1Weight > 0 {
            (penalty, gradients) = addGradientPenalty(d, real: real, labels: realLabels, weight: Float(r1Weight), into: gradients)
        }
        return CriticUpdate(
            loss: loss, meanRealLogit: realLogits.reduce(0, +) / realCount, meanFakeLogit: fakeLogits.reduce(0, +) / fakeCount,
            gradientPenalty: penalty, gradients: gradients)
    }

    /// Adds ∂/∂θ (γ/2)·mean‖∇ₓd‖² to `gradients`; returns mean‖∇ₓd‖² and the sum.
    static func addGradientPenalty(
        _ d: Discriminator, real: Tensor, labels: [Int], weight: Float, into gradients: ParameterSet
    ) -> (penalty: Float, gradients: ParameterSet) {
        var gradients = gradients
        let count = real.shape[0]
        var scratch = d.parameters.zeros()
        let probe = d.backpropagate(real, labels: labels, gradients: &scratch) { logits in logits.map { _ in 1 } }.inputGradient
        var squares: Float = 0
        for value in probe.scalars { squares += value * value }
        let penalty = squares / Float(count)
        guard penalty > 0 else { return (0, gradients) }
        let epsilon = probeNorm / penalty.squareRoot()
        let coefficient = weight / Float(count) / (2 * epsilon)
        for sign: Float in [1, -1] {
            var shifted = real
            for i in 0..<shifted.count { shifted.scalars[i] += sign * epsilon * probe.scalars[i] }
            _ = d.backpropagate(shifted, labels: labels, gradients: &gradients) { logits in logits.map { _ in sign * coefficient } }
        }
        return (penalty, gradients)
    }

    /// L_G = mean softplus(−d(x₀, y)) and dL_G/dx₀ (the discriminator's weights untouched).
    public static func generatorGradient(_ d: Discriminator, samples: Tensor, labels: [Int]) -> (loss: Double, dSamples: Tensor) {
        var scratch = d.parameters.zeros()
        let count = Float(samples.shape[0])
        var loss = 0.0
        let pass = d.backpropagate(samples, labels: labels, gradients: &scratch) { logits in
            loss = Double(logits.reduce(0) { $0 + softplus(-$1) } / count)
            return logits.map { -sigmoid(-$0) / count }
        }
        return (loss, pass.inputGradient)
    }
}
