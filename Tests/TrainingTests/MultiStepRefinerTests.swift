// Refining a student of S Euler steps (StudentRender): the render is the product's own sampler output
// bit for bit; S = 1 is today's one jump x₀ = z − T·u_S(z, T, y) and its gradient, bit for bit; the
// parameter gradient backpropagated through S = 1, 2, 3 steps matches central finite differences on a
// tiny 2-D MLP; and an S-step run killed after a checkpoint and resumed equals an uninterrupted one.
import Foundation
import Generation
import KacFlow
import NeuralNet
import TensorCore
import TestSupport
import Testing
import Training
import Vocabulary

struct MultiStepRefinerTests {
    static let architecture = NetworkArchitecture.mlp(
        MLPVelocityConfiguration(dimension: 2, hiddenWidth: 16, hiddenLayers: 2, embeddingWidth: 4, classCount: 3))

    static func student(seed: UInt64) -> any VelocityNetwork {
        var random = RandomSource(seed: seed)
        let network = architecture.makeNetwork(random: &random)
        GeneratorMatchingTests.randomizeWeights(network, &random, scale: 0.5)
        return network
    }

    @Test(arguments: [1, 2, 3])
    func renderIsTheProductsSampler(steps: Int) {
        let network = Self.student(seed: 11)
        let path = KacPath.Configuration()
        let count = Generator.slotCount
        let labels = (0..<count).map { $0 % 3 }
        let prior = KacPath(configuration: path).prior(shape: [count, 2], seed: 42, index: 0)
        let render = StudentRender.render(
            network, prior: prior, labels: labels, horizon: Float(KacPath(configuration: path).horizon), steps: steps)
        let product = Generator(network: network, architecture: Self.architecture, path: path)
            .generate(labels: labels, seed: 42, firstIndex: 0, settings: SamplingSettings(integrator: .euler, steps: steps))
        #expect(render.sample == product.samples)
        #expect(render.steps == steps && render.inputs[0] == prior)
        let total = render.increments.reduce(0, +)
        #expect(abs(total + Float(KacPath(configuration: path).horizon)) < 1e-5, "Σ Δ_k = \(total)")
    }

    @Test func oneStepIsTheOneJumpBitForBit() {
        let network = Self.student(seed: 12)
        let path = KacPath()
        let horizon = Float(path.horizon)
        let labels = [0, 1, 2, 1, 0]
        let prior = path.prior(shape: [5, 2], seed: 3)
        let start = [Float](repeating: horizon, count: 5)
        let render = StudentRender.render(network, prior: prior, labels: labels, horizon: horizon, steps: 1)
        var jump = prior
        let u = network.velocity(prior, times: start, labels: labels)
        for i in 0..<jump.count { jump.scalars[i] -= horizon * u.scalars[i] }
        #expect(render.sample == jump)
        var random = RandomSource(seed: 4)
        let dSample = randomTensor([5, 2], &random)
        var dJump = dSample
        for i in 0..<dJump.count { dJump.scalars[i] *= -horizon }
        let old = network.parameterGradients(prior, times: start, labels: labels, outputGradient: dJump)
        #expect(render.parameterGradients(network, dSample: dSample) == old)
    }

    @Test(arguments: [1, 2, 3])
    func gradientThroughTheStepsMatchesFiniteDifferences(steps: Int) {
        let student = GeneratorMatchingTests.Student(Self.student(seed: 13))
        let path = KacPath()
        let labels = [0, 2, 1, 2]
        let prior = path.prior(shape: [4, 2], seed: 8)
        var random = RandomSource(seed: 9)
        let weights = randomTensor([4, 2], &random)
        // L = Σ w·x_S + ½ Σ x_S², dL/dx_S = w + x_S.
        func render() -> StudentRender {
            StudentRender.render(student.network, prior: prior, labels: labels, horizon: Float(path.horizon), steps: steps)
        }
        func loss() -> Double {
            let x = render().sample
            var total = 0.0
            for i in 0..<x.count {
                let value = Double(x.scalars[i])
                total += Double(weights.scalars[i]) * value + 0.5 * value * value
            }
            return total
        }
        let forward = render()
        var dSample = forward.sample
        for i in 0..<dSample.count { dSample.scalars[i] += weights.scalars[i] }
        let gradients = forward.parameterGradients(student.network, dSample: dSample)
        var probe = RandomSource(seed: 3)
        let worst = worstGradientError(
            of: student, parameters: \.tensors, gradients: gradients.tensors, step: 5e-3, floor: GeneratorMatchingTests.floor,
            elements: { _, size in (0..<3).map { _ in probe.index(below: size) } }, loss: loss)
        #expect(
            worst.error < GeneratorMatchingTests.tolerance,
            "S = \(steps): worst relative error \(worst.error) at \(student.network.parameters.names[worst.tensor])")
    }

    @Test(arguments: [RefinementMethod.fgm, .adversarial])
    func resumedMultiStepRunEqualsUninterruptedRun(method: RefinementMethod) throws {
        var header = RefinerTests.header()
        header.configuration.studentSteps = 2
        if method == .adversarial {
            header = AdversarialRefinerTests.header(steps: 6)
            header.configuration.studentSteps = 3
        }
        let directory = TemporaryDirectory()
        func refiner(_ file: String) throws -> Refiner {
            method == .adversarial
                ? try AdversarialRefinerTests.refiner(header, directory: directory, checkpoint: directory.file(file))
                : try RefinerTests.refiner(header, checkpoint: directory.file(file))
        }
        let whole = try refiner("whole.safetensors")
        try whole.run()
        #expect(whole.state.step == 6)
        let first = try refiner("killed.safetensors")
        first.interruptAfterFakeStep = 5
        #expect(throws: RefinementError.self) { try first.run() }
        let resumed = try refiner("killed.safetensors")
        #expect(resumed.state.fakeSteps == 5)
        try resumed.run()
        RefinerTests.expectSameState(resumed.state, whole.state)
        // Rendering more steps is another run: its checkpoint is refused under S = 1.
        header.configuration.studentSteps = 1
        #expect(throws: RefinementError.self) { try refiner("whole.safetensors") }
    }
}
