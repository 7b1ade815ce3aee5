// The flow-generator-matching gradient as the refiner computes it (GeneratorMatching + the student's
// parameterGradients through x₀ = z − T·u_S): with the Kac draws fixed, the surrogate L is a plain
// function of the student's weights, so its analytic gradient must match central finite differences —
// with two-pass guidance (interleaved conditional/null rows) and without, at α = ½ (FGM) and α ≠ ½,
// on the 2-D MLP and on a tiny UNet split into micro-batches. And the guided teacher's velocity is
// the classifier-free-guidance field the samplers use.
import KacFlow
import NeuralNet
import TensorCore
import TestSupport
import Testing
import Training

struct GeneratorMatchingTests {
    /// Float forward passes differenced over 5e-3 (as the networks' own gradient checks).
    static let tolerance = 0.05
    static let floor = 1e-3

    struct Case: CustomStringConvertible, Sendable {
        var guidance: Float
        var alpha: Double
        var unet: Bool
        var fakeGuidance: Float = 1
        var description: String { "s \(guidance), α \(alpha), \(unet ? "UNet" : "MLP"), fake s \(fakeGuidance)" }
    }

    static let cases = [
        Case(guidance: 1.5, alpha: 0.5, unet: false), Case(guidance: 1, alpha: 1.2, unet: false),
        Case(guidance: 1.5, alpha: 1.0, unet: true), Case(guidance: 1.5, alpha: 0.5, unet: false, fakeGuidance: 1.5),
        Case(guidance: 1.5, alpha: 0.5, unet: true, fakeGuidance: 1.5),
    ]

    static func network(_ unet: Bool, _ random: inout RandomSource) -> any VelocityNetwork {
        if unet {
            let network = UNet(
                configuration: UNetConfiguration(
                    imageHeight: 8, imageWidth: 8, imageChannels: 1, baseWidth: 8, widthMultipliers: [1, 2],
                    residualBlocksPerLevel: 1, attentionResolutions: [4], attentionHeads: 2, groupCount: 4, classCount: 3),
                random: &random)
            network.microBatchSize = 2
            randomizeWeights(network, &random, scale: 0.2)
            return network
        }
        let network = MLPVelocityNetwork(
            configuration: MLPVelocityConfiguration(dimension: 2, hiddenWidth: 16, hiddenLayers: 2, embeddingWidth: 4, classCount: 3),
            random: &random)
        randomizeWeights(network, &random, scale: 0.5)
        return network
    }

    static func randomizeWeights(_ network: any VelocityNetwork, _ random: inout RandomSource, scale: Double) {
        var parameters = network.parameters
        for index in parameters.tensors.indices { parameters[index] = randomTensor(parameters[index].shape, &random, scale: scale) }
        network.parameters = parameters
    }

    final class Student {
        let network: any VelocityNetwork
        init(_ network: any VelocityNetwork) { self.network = network }
        var tensors: [Tensor] {
            get { network.parameters.tensors }
            set {
                var parameters = network.parameters
                parameters.tensors = newValue
                network.parameters = parameters
            }
        }
    }

    @Test(arguments: cases)
    func surrogateGradientMatchesFiniteDifferences(_ c: Case) {
        var random = RandomSource(seed: 71)
        let teacherNetwork = Self.network(c.unet, &random), fake = Self.network(c.unet, &random)
        let student = Student(Self.network(c.unet, &random))
        let teacher = GuidedField(network: teacherNetwork, nullLabel: 3, guidance: c.guidance)
        let fakeField = GuidedField(network: fake, nullLabel: 3, guidance: c.fakeGuidance)
        let path = KacPath()
        let count = 4
        let shape = c.unet ? [count, 8, 8, 1] : [count, 2]
        let prior = path.prior(shape: shape, seed: 5)
        let labels = [0, 2, 1, 2], times: [Float] = [0.1, 0.35, 0.6, 0.85]
        let start = [Float](repeating: 1, count: count)
        let draws = RandomSource(seed: 99)

        func evaluate() -> (loss: Double, dSamples: Tensor) {
            var samples = prior
            let jump = student.network.velocity(prior, times: start, labels: labels)
            for i in 0..<samples.count { samples.scalars[i] -= jump.scalars[i] }
            var random = draws
            let result = GeneratorMatching.gradient(
                samples: samples, labels: labels, times: times, path: path, teacher: teacher, fake: fakeField,
                method: .fgm, alpha: c.alpha, random: &random)
            return (result.loss, result.dSamples)
        }
        var dJump = evaluate().dSamples
        for i in 0..<dJump.count { dJump.scalars[i] = -dJump.scalars[i] }
        let gradients = student.network.parameterGradients(prior, times: start, labels: labels, outputGradient: dJump)
        var probe = RandomSource(seed: 3)
        let worst = worstGradientError(
            of: student, parameters: \.tensors, gradients: gradients.tensors, step: 5e-3, floor: Self.floor,
            elements: { _, size in (0..<2).map { _ in probe.index(below: size) } }, loss: { evaluate().loss })
        #expect(worst.error < Self.tolerance, "\(c): worst relative error \(worst.error) at \(student.network.parameters.names[worst.tensor])")
    }

    @Test(arguments: [Float(1), 1.5])
    func sharedFakePassGivesTheFakesRegressionGradients(fakeGuidance: Float) throws {
        var random = RandomSource(seed: 73)
        let teacherNetwork = Self.network(true, &random), fake = Self.network(true, &random)
        let teacher = GuidedField(network: teacherNetwork, nullLabel: 3, guidance: 1.5)
        let fakeField = GuidedField(network: fake, nullLabel: 3, guidance: fakeGuidance)
        let path = KacPath()
        let samples = randomTensor([4, 8, 8, 1], &random, scale: 0.5)
        let labels = [1, 0, 2, 1], times: [Float] = [0.2, 0.4, 0.6, 0.8]
        var draws = RandomSource(seed: 5)
        let result = GeneratorMatching.gradient(
            samples: samples, labels: labels, times: times, path: path, teacher: teacher, fake: fakeField,
            method: .fgm, alpha: 0.5, random: &draws)
        let shared = try #require(result.fakeRegression)
        var same = RandomSource(seed: 5)
        let batch = path.noise(samples, times: times, random: &same)
        let (loss, gradients) = fakeField.regression(batch.noised, times: times, labels: labels, target: batch.target)
        if fakeGuidance == 1 {
            // Unguided, the fake's regression is the network's own training loss.
            let own = fake.lossAndGradients(batch.noised, times: times, labels: labels, target: batch.target)
            #expect(abs(own.loss - loss) <= 1e-4 * loss)
            #expect(Self.worstDifference(own.gradients, gradients) < 1e-3)
        }
        #expect(abs(shared.loss - loss) <= 1e-4 * loss)
        // The same kernels on the same rows, only the output gradient's rounding differs.
        #expect(Self.worstDifference(shared.gradients, gradients) < 1e-3)
        // Any other α has no such shortcut.
        var again = RandomSource(seed: 5)
        #expect(
            GeneratorMatching.gradient(
                samples: samples, labels: labels, times: times, path: path, teacher: teacher, fake: fakeField,
                method: .fgm, alpha: 1, random: &again
            ).fakeRegression == nil)
    }

    static func worstDifference(_ a: ParameterSet, _ b: ParameterSet) -> Float {
        a.tensors.indices.map { maxRelativeError(a[$0].scalars, b[$0].scalars, floor: 1e-4) }.max() ?? 0
    }

    @Test func guidedFakeRegressionGradientsMatchFiniteDifferences() {
        var random = RandomSource(seed: 74)
        let fake = Student(Self.network(false, &random))
        let field = GuidedField(network: fake.network, nullLabel: 3, guidance: 1.5)
        let x = randomTensor([4, 2], &random), target = randomTensor([4, 2], &random)
        let times: [Float] = [0.1, 0.3, 0.5, 0.9], labels = [0, 1, 2, 0]
        let (_, gradients) = field.regression(x, times: times, labels: labels, target: target)
        var probe = RandomSource(seed: 4)
        let worst = worstGradientError(
            of: fake, parameters: \.tensors, gradients: gradients.tensors, step: 5e-3, floor: Self.floor,
            elements: { _, size in (0..<3).map { _ in probe.index(below: size) } },
            loss: { Double(field.regression(x, times: times, labels: labels, target: target).loss) })
        #expect(worst.error < Self.tolerance, "worst relative error \(worst.error) at \(fake.network.parameters.names[worst.tensor])")
    }

    @Test func guidedTeacherIsTheSamplersGuidedField() {
        var random = RandomSource(seed: 72)
        let network = Self.network(true, &random)
        let x = randomTensor([6, 8, 8, 1], &random)
        let times: [Float] = [0.1, 0.2, 0.3, 0.5, 0.7, 0.9], labels = [0, 1, 2, 0, 1, 2]
        let guided = GuidedField(network: network, nullLabel: 3, guidance: 1.5).velocity(x, times: times, labels: labels)
        let field = ClassifierFreeGuidance.velocity(
            conditional: { network.velocity($0, times: $1, labels: $2) }, labels: labels,
            scales: Array(repeating: 1.5, count: 6), nullLabel: 3)
        let expected = field(x, times)
        // The same images in other micro-batch positions: Float rounding of the BLAS kernels only.
        #expect(maxRelativeError(guided.scalars, expected.scalars, floor: 1e-3) < 1e-3)
    }
}
