// Generating samples from a velocity network: prior draw at T, guided field, integrate to 0. The
// CLI, the daemon, training previews, evaluation and distillation all call this one loop. Guidance
// is classifier-free (two passes batched as 2N) unless the network takes s as an input (a
// guidance-conditioned student), which is then given s and evaluated once per step at any scale.
// Invariant: sample i of a request depends only on (weights, seed, i, label, sampler settings,
// thread count): the prior of image i is drawn from stream i of the seed, and the network always
// sees it in slot i % 16 of a 16-image call (see `slotCount`), whatever the batch it is rendered in.
import KacFlow
import NeuralNet
import TensorCore
import Vocabulary

public struct Generator {
    public let network: any VelocityNetwork
    public let path: KacPath
    public let sampleShape: [Int]
    public let nullLabel: Int

    public init(network: any VelocityNetwork, path: KacPath, sampleShape: [Int], nullLabel: Int) {
        self.network = network
        self.path = path
        self.sampleShape = sampleShape
        self.nullLabel = nullLabel
    }

    public init(network: any VelocityNetwork, architecture: NetworkArchitecture, path: KacPath.Configuration) {
        self.init(
            network: network, path: KacPath(configuration: path), sampleShape: architecture.sampleShape,
            nullLabel: architecture.classCount)
    }

    /// The guided velocity field for `labels` at per-sample times.
    public func field(labels: [Int], guidance: Double) -> PerSampleVelocity {
        field(labels: labels, guidance: Array(repeating: Float(guidance), count: labels.count))
    }

    /// The velocity field for `labels` guided at one scale per sample (`guidance` [N]): the network's
    /// own guidance input when it has one, else classifier-free guidance.
    public func field(labels: [Int], guidance: [Float]) -> PerSampleVelocity {
        precondition(guidance.count == labels.count, "Generator: \(guidance.count) guidance scales for \(labels.count) labels")
        let network = self.network
        if network.hasGuidanceInput {
            return { x, times in network.velocity(x, times: times, labels: labels, guidance: guidance) }
        }
        return ClassifierFreeGuidance.velocity(
            conditional: { x, times, labels in network.velocity(x, times: times, labels: labels) },
            labels: labels, scales: guidance, nullLabel: nullLabel)
    }

    /// Network passes per sample and field evaluation: 2 under classifier-free guidance (s ≠ 1), else 1.
    public func passesPerEvaluation(guidance: Double) -> Int {
        network.hasGuidanceInput || guidance == 1 ? 1 : 2
    }

    /// Images per network call. Every call sees exactly this many images (twice that under
    /// classifier-free guidance), and image i of a request always sits in slot i % slotCount, with
    /// fixed padding (prior of stream i, label 0) in slots the caller did not ask for. BLAS kernels
    /// round differently for different matrix shapes and row positions, so this is what makes image
    /// i independent of the batch it is rendered in, whatever OpenBLAS kernel the CPU selects.
    /// Equal to `UNet.microBatchSize`'s default, so the UNet runs one micro-batch per call.
    public static let slotCount = 16

    /// Samples for request indices `first ..< first + labels.count` of a request with `seed`.
    public func generate(labels: [Int], seed: UInt64, firstIndex: Int, settings: SamplingSettings) -> (samples: Tensor, evaluations: Int) {
        generate(labels: labels, seed: seed, firstIndex: firstIndex, settings: settings, onStep: { _, _ in })
    }

    /// Samples for request indices `first ..< first + labels.count` of a request with `seed`.
    /// `onStep(done, total)` reports integration progress (once per step of each slot group); an
    /// error it throws stops the integration there and is rethrown (how a render is cancelled
    /// between sampler steps rather than between batches).
    public func generate(
        labels: [Int], seed: UInt64, firstIndex: Int, settings: SamplingSettings,
        onStep: (Int, Int) throws -> Void
    ) rethrows -> (samples: Tensor, evaluations: Int) {
        let slots = Self.slotCount
        let perSample = sampleShape.reduce(1, *)
        let requested = firstIndex..<(firstIndex + labels.count)
        var scalars = [Float](repeating: 0, count: labels.count * perSample)
        var evaluations = 0
        var groupStart = firstIndex - firstIndex % slots
        while groupStart < requested.upperBound {
            let group = groupStart..<(groupStart + slots)
            let groupLabels = group.map { requested.contains($0) ? labels[$0 - firstIndex] : 0 }
            let (x, used) = try integrate(labels: groupLabels, seed: seed, firstIndex: groupStart, settings: settings, onStep: onStep)
            for index in group where requested.contains(index) {
                let source = (index - groupStart) * perSample, destination = (index - firstIndex) * perSample
                scalars.replaceSubrange(destination..<(destination + perSample), with: x.scalars[source..<(source + perSample)])
            }
            evaluations = max(evaluations, used)
            groupStart += slots
        }
        return (Tensor(shape: [labels.count] + sampleShape, scalars: scalars), evaluations)
    }

    /// One slot group from the prior at T to 0.
    private func integrate(
        labels: [Int], seed: UInt64, firstIndex: Int, settings: SamplingSettings,
        onStep: (Int, Int) throws -> Void
    ) rethrows -> (x: Tensor, evaluations: Int) {
        let prior = path.prior(shape: [labels.count] + sampleShape, seed: seed, index: firstIndex)
        let field = self.field(labels: labels, guidance: settings.guidance)
        let sampler = Sampler(integrator: settings.integrator, steps: settings.steps)
        let horizon = Float(path.horizon)
        var trajectory = sampler.trajectory(from: prior, horizon: horizon) { x, time in
            field(x, Array(repeating: time, count: labels.count))
        }
        var last = trajectory.current
        while let state = trajectory.next() {
            last = state
            try onStep(state.stepsTaken, settings.steps)
        }
        return (last.x, last.evaluations * passesPerEvaluation(guidance: settings.guidance))
    }
}
