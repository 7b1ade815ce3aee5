// VelocityNetwork.backpropagate: the input gradient (vector–Jacobian product) of the MLP and the UNet
// against central finite differences of ⟨w, u(x)⟩, with the UNet split into several micro-batches
// (so the per-part cotangent callback and the first conv's input gradient are both exercised), and
// parameterGradients against lossAndGradients (the same chain rule through another entry point).
import NeuralNet
import TensorCore
import TestSupport
import Testing

struct InputGradientTests {
    /// Float forward passes differenced over 5e-3 around O(1) outputs (as the UNet parameter check).
    static let tolerance = 0.05
    static let floor = 1e-3

    /// Worst relative error of `analytic` (dL/dx) against central differences of L(x) = ⟨w, u(x)⟩ at `elements`.
    static func worstInputError(
        _ network: any VelocityNetwork, x: Tensor, times: [Float], labels: [Int], weights: Tensor, elements: [Int]
    ) -> (error: Double, parts: [Range<Int>]) {
        var parts: [Range<Int>] = []
        let (output, analytic) = network.inputGradient(x, times: times, labels: labels) { rows, part in
            parts.append(rows)
            return weights.rows(rows)
        }
        // Sampling fuses normalisation, SiLU and convolution: the same values up to Float rounding.
        #expect(maxRelativeError(output.scalars, network.velocity(x, times: times, labels: labels).scalars, floor: 1e-3) < 1e-4)
        func loss(_ probe: Tensor) -> Double {
            zip(network.velocity(probe, times: times, labels: labels).scalars, weights.scalars)
                .reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        }
        let step: Float = 5e-3
        var worst = 0.0
        for i in elements {
            var up = x, down = x
            up.scalars[i] += step
            down.scalars[i] -= step
            let numerical = (loss(up) - loss(down)) / Double(2 * step)
            let error = abs(Double(analytic.scalars[i]) - numerical) / max(abs(numerical), floor)
            worst = max(worst, error)
        }
        return (worst, parts)
    }

    @Test func mlpInputGradientMatchesFiniteDifferences() {
        var random = RandomSource(seed: 61)
        let network = MLPVelocityNetwork(
            configuration: MLPVelocityConfiguration(dimension: 2, hiddenWidth: 16, hiddenLayers: 2, embeddingWidth: 4, classCount: 3),
            random: &random)
        randomize(&network.parameters, &random, scale: 0.5)
        let x = randomTensor([4, 2], &random), weights = randomTensor([4, 2], &random)
        let result = Self.worstInputError(
            network, x: x, times: [0.1, 0.4, 0.7, 0.95], labels: [0, 3, 2, 1], weights: weights, elements: Array(0..<8))
        #expect(result.error < Self.tolerance, "worst relative error \(result.error)")
        #expect(result.parts == [0..<4])
    }

    @Test func unetInputGradientMatchesFiniteDifferencesAcrossMicroBatches() {
        var random = RandomSource(seed: 62)
        let network = UNet(configuration: UNetTests.tiny, random: &random)
        randomize(&network.parameters, &random, scale: 0.3)
        network.microBatchSize = 2
        let x = randomTensor([3, 8, 8, 1], &random), weights = randomTensor([3, 8, 8, 1], &random)
        // Pixels of all three images, corners and centre.
        let elements = [0, 9, 27, 63, 64 + 18, 64 + 36, 128 + 7, 128 + 45, 128 + 56]
        let result = Self.worstInputError(
            network, x: x, times: [0.2, 0.5, 0.8], labels: [0, 1, 3], weights: weights, elements: elements)
        #expect(result.error < Self.tolerance, "worst relative error \(result.error)")
        #expect(result.parts == [0..<2, 2..<3])
    }

    @Test func parameterGradientsEqualTheRegressionGradients() {
        var random = RandomSource(seed: 63)
        let network = UNet(configuration: UNetTests.tiny, random: &random)
        randomize(&network.parameters, &random, scale: 0.3)
        let x = randomTensor([2, 8, 8, 1], &random), target = randomTensor([2, 8, 8, 1], &random)
        let times: [Float] = [0.3, 0.6], labels = [2, 0]
        let (_, expected) = network.lossAndGradients(x, times: times, labels: labels, target: target)
        let output = network.velocity(x, times: times, labels: labels)
        var dOutput = output
        for i in 0..<dOutput.count { dOutput.scalars[i] = 2 * (output.scalars[i] - target.scalars[i]) / Float(output.count) }
        let gradients = network.parameterGradients(x, times: times, labels: labels, outputGradient: dOutput)
        var worst: Float = 0
        for index in expected.tensors.indices {
            worst = max(worst, maxRelativeError(gradients[index].scalars, expected[index].scalars, floor: 1e-4))
        }
        // Same kernels in the same order except the loss's scaling: Float rounding only.
        #expect(worst < 1e-3, "worst relative difference \(worst)")
    }
}
