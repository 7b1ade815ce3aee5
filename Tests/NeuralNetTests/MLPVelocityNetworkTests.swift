// The MLP velocity network: finite-difference gradient check (its backward includes the label
// embedding through two concatenations, and the guidance embedding when the network has one) and a
// short training run that must drive the loss down.
import NeuralNet
import TensorCore
import TestSupport
import Testing

struct MLPVelocityNetworkTests {
    /// Float forward passes differenced over a step of 1e-2 around O(1) losses.
    static let tolerance = 0.02

    @Test(arguments: [false, true])
    func gradientsMatchFiniteDifferences(guidanceInput: Bool) throws {
        var random = RandomSource(seed: 51)
        let network = MLPVelocityNetwork(
            configuration: MLPVelocityConfiguration(
                dimension: 2, hiddenWidth: 8, hiddenLayers: 2,
                embeddingWidth: 4, classCount: 2,
                guidanceInput: guidanceInput),
            random: &random)
        #expect(network.parameters.names.contains("guidance.linear.weight") == guidanceInput)
        randomize(&network.parameters, &random, scale: 0.5)
        let x = randomTensor([3, 2], &random), target = randomTensor([3, 2], &random)
        let times: [Float] = [0.1, 0.5, 0.002], labels = [0, 2, 1]
        let guidance: [Float]? = guidanceInput ? [1, 2.5, 0.3] : nil
        let (_, gradients) = network.lossAndGradients(x, times: times, labels: labels, guidance: guidance, target: target)
        let worst = worstGradientError(
            of: network, parameters: \.parameters.tensors, gradients: gradients.tensors,
            step: 1e-2, floor: 1e-2, elements: { _, count in Array(0..<min(4, count)) }
        ) {
            Double(network.lossAndGradients(x, times: times, labels: labels, guidance: guidance, target: target).loss)
        }
        #expect(
            worst.error < Self.tolerance,
            "worst relative error \(worst.error) at \(network.parameters.names[worst.tensor])")
        if guidanceInput {
            // The scale reaches the output: a guidance weight has a gradient, and s changes the velocity.
            let weight = try #require(gradients.index(of: "guidance.linear.weight"))
            #expect(gradients[weight].scalars.contains { $0 != 0 })
            let other = network.velocity(x, times: times, labels: labels, guidance: [3, 2.5, 0.3])
            #expect(other.scalars[0..<2] != network.velocity(x, times: times, labels: labels, guidance: guidance).scalars[0..<2])
        }
    }

    @Test func learnsAConstantField() {
        // Target velocity (1, −2) everywhere: 150 Adam steps must cut the loss by 100×.
        var random = RandomSource(seed: 52)
        let network = MLPVelocityNetwork(
            configuration: MLPVelocityConfiguration(dimension: 2, hiddenWidth: 32, hiddenLayers: 2),
            random: &random)
        var adam = Adam(for: network.parameters, learningRate: 3e-3)
        let target = Tensor(shape: [64, 2], scalars: Array(repeating: [1, -2], count: 64).flatMap { $0 })
        var first: Float = 0, last: Float = 0
        for step in 0..<150 {
            let x = randomTensor([64, 2], &random)
            let times = (0..<64).map { _ in Float(random.uniform()) }
            let (loss, gradients) = network.lossAndGradients(x, times: times, labels: Array(repeating: 0, count: 64), target: target)
            if step == 0 { first = loss }
            last = loss
            adam.update(&network.parameters, gradients: gradients, clippingNormTo: 1)
        }
        #expect(last < first / 100, "loss \(first) → \(last)")
    }
}
