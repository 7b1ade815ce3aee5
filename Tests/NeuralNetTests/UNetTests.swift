// The whole UNet: parameter count and FLOPs of the §8 teacher, zero output at initialisation, and a
// finite-difference gradient check of lossAndGradients on a tiny configuration, with and without
// the guidance-scale input.
import NeuralNet
import TensorCore
import TestSupport
import Testing

struct UNetTests {
    static let tiny = UNetConfiguration(
        imageHeight: 8, imageWidth: 8, imageChannels: 1, baseWidth: 8, widthMultipliers: [1, 2],
        residualBlocksPerLevel: 1, attentionResolutions: [4], attentionHeads: 2,
        groupCount: 4, classCount: 3)

    static func tiny(guidanceInput: Bool) -> UNetConfiguration {
        var configuration = tiny
        configuration.guidanceInput = guidanceInput
        return configuration
    }

    @Test func referenceConfigurationSize() {
        var random = RandomSource(seed: 1)
        let network = UNet(configuration: .fashionMNIST, random: &random)
        #expect(network.parameters.scalarCount == 1_060_129)
        #expect(abs(Double(network.flopsPerImageForward) / 0.380e9 - 1) < 0.01)
        #expect(network.parameters.index(of: "down.0.res.0.conv1.weight") != nil)
        #expect(network.parameters.index(of: "middle.attn.0.qkv.weight") != nil)
        #expect(network.parameters["label.embedding.weight"]?.shape == [11, 64])
    }

    @Test func sameSeedSameWeightsAndZeroInitialVelocity() {
        var a = RandomSource(seed: 9), b = RandomSource(seed: 9)
        let first = UNet(configuration: Self.tiny, random: &a), second = UNet(configuration: Self.tiny, random: &b)
        #expect(first.parameters == second.parameters)
        var random = RandomSource(seed: 2)
        let x = randomTensor([2, 8, 8, 1], &random)
        let velocity = first.velocity(x, times: [0.2, 0.9], labels: [0, 3])
        #expect(velocity.shape == [2, 8, 8, 1] && velocity.scalars.allSatisfy { $0 == 0 })
    }

    /// Micro-batches only reorder Float sums (per-image work is identical; gradients add in parts).
    static let microBatchTolerance: Float = 1e-4

    @Test(arguments: [false, true])
    func microBatchesMatchOneWholeBatch(guidanceInput: Bool) {
        var random = RandomSource(seed: 17)
        let network = UNet(configuration: Self.tiny(guidanceInput: guidanceInput), random: &random)
        randomize(&network.parameters, &random, scale: 0.3)
        let x = randomTensor([5, 8, 8, 1], &random), target = randomTensor([5, 8, 8, 1], &random)
        let times: [Float] = [0.1, 0.3, 0.5, 0.7, 0.9], labels = [0, 1, 2, 3, 0]
        let guidance: [Float]? = guidanceInput ? [1, 1.5, 2, 2.5, 3] : nil
        network.microBatchSize = 5
        let whole = network.lossAndGradients(x, times: times, labels: labels, guidance: guidance, target: target)
        let wholeVelocity = network.velocity(x, times: times, labels: labels, guidance: guidance)
        network.microBatchSize = 2
        let parts = network.lossAndGradients(x, times: times, labels: labels, guidance: guidance, target: target)
        #expect(
            maxRelativeError(
                network.velocity(x, times: times, labels: labels, guidance: guidance).scalars,
                wholeVelocity.scalars) < Self.microBatchTolerance)
        #expect(abs(parts.loss - whole.loss) < Self.microBatchTolerance * whole.loss)
        for index in whole.gradients.tensors.indices {
            #expect(
                maxRelativeError(parts.gradients[index].scalars, whole.gradients[index].scalars)
                    < Self.microBatchTolerance, "\(whole.gradients.names[index])")
        }
    }

    /// Float forward passes differenced over a step of 5e-3: noise ~1e-7/1e-2 and O(h²) truncation.
    static let wholeNetworkTolerance = 0.05
    static let wholeNetworkFloor = 1e-3

    @Test(arguments: [false, true])
    func gradientsMatchFiniteDifferences(guidanceInput: Bool) {
        var random = RandomSource(seed: 13)
        let network = UNet(configuration: Self.tiny(guidanceInput: guidanceInput), random: &random)
        randomize(&network.parameters, &random, scale: 0.3)
        let x = randomTensor([2, 8, 8, 1], &random), target = randomTensor([2, 8, 8, 1], &random)
        let times: [Float] = [0.25, 0.7], labels = [1, 3]
        let guidance: [Float]? = guidanceInput ? [2.5, 1.2] : nil
        let (loss, gradients) = network.lossAndGradients(x, times: times, labels: labels, guidance: guidance, target: target)
        func lossAt() -> Double {
            let v = network.velocity(x, times: times, labels: labels, guidance: guidance)
            return zip(v.scalars, target.scalars).reduce(0.0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) } / Double(v.count)
        }
        #expect(abs(Double(loss) - lossAt()) < 1e-5)
        // Two random elements of every parameter tensor.
        let worst = worstGradientError(
            of: network, parameters: \.parameters.tensors, gradients: gradients.tensors,
            step: 5e-3, floor: Self.wholeNetworkFloor,
            elements: { _, count in (0..<2).map { _ in random.index(below: count) } },
            loss: lossAt)
        #expect(
            worst.error < Self.wholeNetworkTolerance,
            "worst relative error \(worst.error) at \(network.parameters.names[worst.tensor])")
    }
}
