// The adversarial term's gradients against finite differences: the discriminator's loss with its R1
// penalty (whose parameter gradient the refiner takes by a central difference along ∇ₓd, no double
// backpropagation) for the image and the point discriminator, and the generator's loss with respect
// to the samples. Each loss here is recomputed from scratch as an ordinary function of the weights.
import Foundation
import NeuralNet
import TensorCore
import TestSupport
import Testing
import Training

struct AdversarialTermTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var shape: [Int]
        var r1: Double
        var testDescription: String { "shape \(shape), γ \(r1)" }
    }

    // γ large enough that the penalty's own gradient stands well above the comparison's floor.
    static let cases = [Case(shape: [2], r1: 0), Case(shape: [2], r1: 200), Case(shape: [8, 8, 1], r1: 0), Case(shape: [8, 8, 1], r1: 10_000)]

    static func data(_ shape: [Int], _ count: Int, _ random: inout RandomSource) -> (Tensor, [Int]) {
        let scalars = randomScalars(count * shape.reduce(1, *), &random, scale: 0.7)
        return (Tensor(shape: [count] + shape, scalars: scalars), (0..<count).map { _ in random.index(below: 3) })
    }

    /// L_D recomputed: softplus terms and (γ/2)·mean‖∇ₓd(real)‖², ∇ₓd from one backward pass.
    static func discriminatorLoss(_ d: Discriminator, real: (Tensor, [Int]), fake: (Tensor, [Int]), r1: Double) -> Double {
        func softplus(_ x: Float) -> Double { Double(x > 0 ? x + log1p(exp(-x)) : log1p(exp(x))) }
        let realLogits = d.logits(real.0, labels: real.1), fakeLogits = d.logits(fake.0, labels: fake.1)
        var loss = realLogits.reduce(0.0) { $0 + softplus(-$1) } / Double(realLogits.count)
        loss += fakeLogits.reduce(0.0) { $0 + softplus($1) } / Double(fakeLogits.count)
        if r1 > 0 {
            var scratch = d.parameters.zeros()
            let g = d.backpropagate(real.0, labels: real.1, gradients: &scratch) { $0.map { _ in 1 } }.inputGradient
            loss += r1 / 2 * g.scalars.reduce(0.0) { $0 + Double($1 * $1) } / Double(realLogits.count)
        }
        return loss
    }

    @Test(arguments: cases)
    func discriminatorGradientsMatchFiniteDifferences(_ c: Case) {
        var random = RandomSource(seed: 17)
        let d = Discriminator(architecture: DiscriminatorArchitecture(sampleShape: c.shape, classCount: 3, width: 4), random: &random)
        let real = Self.data(c.shape, 6, &random), fake = Self.data(c.shape, 6, &random)
        let update = AdversarialTerm.discriminatorGradients(d, real: real.0, realLabels: real.1, fake: fake.0, fakeLabels: fake.1, r1Weight: c.r1)
        #expect(abs(Double(update.loss) - Self.discriminatorLoss(d, real: real, fake: fake, r1: 0)) < 1e-5)
        final class Holder { var tensors: [Tensor]; init(_ t: [Tensor]) { tensors = t } }
        let holder = Holder(d.parameters.tensors)
        let worst = worstGradientError(
            of: holder, parameters: \.tensors, gradients: update.gradients.tensors, step: 2e-3, floor: 1e-2,
            elements: { _, count in Array(Set([0, count / 2, count - 1])) }
        ) {
            var p = d.parameters
            p.tensors = holder.tensors
            let saved = d.parameters
            d.parameters = p
            defer { d.parameters = saved }
            return Self.discriminatorLoss(d, real: real, fake: fake, r1: c.r1)
        }
        #expect(worst.error < 0.03, "worst relative error \(worst.error) in tensor \(d.parameters.names[worst.tensor])")
        guard c.r1 > 0 else { return }
        // The penalty's gradient alone (the difference with γ = 0) against finite differences of the penalty alone.
        let plain = AdversarialTerm.discriminatorGradients(d, real: real.0, realLabels: real.1, fake: fake.0, fakeLabels: fake.1, r1Weight: 0)
        var penaltyGradients = update.gradients
        for index in penaltyGradients.tensors.indices {
            for i in penaltyGradients.tensors[index].scalars.indices {
                penaltyGradients.tensors[index].scalars[i] -= plain.gradients.tensors[index].scalars[i]
            }
        }
        holder.tensors = d.parameters.tensors
        let penaltyWorst = worstGradientError(
            of: holder, parameters: \.tensors, gradients: penaltyGradients.tensors, step: 2e-3, floor: 1e-2,
            elements: { _, count in Array(Set([0, count / 2, count - 1])) }
        ) {
            var p = d.parameters
            p.tensors = holder.tensors
            let saved = d.parameters
            d.parameters = p
            defer { d.parameters = saved }
            return Self.discriminatorLoss(d, real: real, fake: fake, r1: c.r1) - Self.discriminatorLoss(d, real: real, fake: fake, r1: 0)
        }
        let largest = penaltyGradients.tensors.map { $0.scalars.map(abs).max() ?? 0 }.max() ?? 0
        #expect(largest > 0.05, "the penalty's gradient is too small to check (\(largest), penalty \(update.gradientPenalty))")
        #expect(penaltyWorst.error < 0.03, "R1 alone: worst relative error \(penaltyWorst.error) in \(d.parameters.names[penaltyWorst.tensor])")
    }

    @Test(arguments: [[2], [8, 8, 1]])
    func generatorGradientMatchesFiniteDifferences(_ shape: [Int]) {
        var random = RandomSource(seed: 23)
        let d = Discriminator(architecture: DiscriminatorArchitecture(sampleShape: shape, classCount: 3, width: 4), random: &random)
        let (samples, labels) = Self.data(shape, 4, &random)
        let analytic = AdversarialTerm.generatorGradient(d, samples: samples, labels: labels).dSamples
        let values = samples.scalars.map(Double.init)
        let probed = Array(Set([0, 1, values.count / 2, values.count - 1]))
        let numerical = numericalGradient(probed.map { values[$0] }, step: 1e-3) { probe in
            var x = samples
            for (k, i) in probed.enumerated() { x.scalars[i] = Float(probe[k]) }
            return AdversarialTerm.generatorGradient(d, samples: x, labels: labels).loss
        }
        for (k, i) in probed.enumerated() {
            let error = abs(Double(analytic.scalars[i]) - numerical[k]) / max(abs(numerical[k]), 1e-3)
            #expect(error < 0.03, "element \(i): analytic \(analytic.scalars[i]), numerical \(numerical[k])")
        }
    }

    @Test func eachSamplesLogitDependsOnItsOwnInputAlone() {
        var random = RandomSource(seed: 5)
        let d = Discriminator(architecture: DiscriminatorArchitecture(sampleShape: [8, 8, 1], classCount: 3, width: 4), random: &random)
        let (x, labels) = Self.data([8, 8, 1], 4, &random)
        var changed = x
        for i in 0..<64 { changed.scalars[i] += 0.5 }  // sample 0 only
        let (a, b) = (d.logits(x, labels: labels), d.logits(changed, labels: labels))
        #expect(a[0] != b[0] && Array(a.dropFirst()) == Array(b.dropFirst()))
    }
}
