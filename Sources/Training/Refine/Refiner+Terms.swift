// The refiner's batches and its two terms besides generator matching (docs/one-step-refinement.md):
// the anchor — regression of the generator's samples onto the anchor model's endpoints from the same
// prior draws and labels, so its batches come from the anchor pool — and the adversarial term's
// discriminator update on real samples (the data, or the anchor model's endpoints) against the
// generator's. Every draw comes from the checkpointed RandomSource, so a resumed run repeats them.
import Foundation
import KacFlow
import NeuralNet
import TensorCore

extension Refiner {
    struct GeneratorBatch {
        var labels: [Int]
        var prior: Tensor
        /// The anchor model's endpoints from `prior` (anchor on only).
        var anchorTargets: Tensor?
    }

    static func checkInputs(header: RefinementState.Header, anchorPool: TeacherTrajectoryPool?, realData: LabeledDataset?, realTilt: [Float]?) throws {
        let c = header.configuration
        let shape = header.generatorArchitecture.sampleShape, classCount = header.generatorArchitecture.classCount
        if c.needsAnchorPool {
            guard let pool = anchorPool, pool.trajectoryCount == c.anchorPoolSize, pool.sampleShape == shape,
                pool.stage.studentSteps == 1, pool.labels.allSatisfy({ (0..<max(classCount, 1)).contains($0) })
            else {
                throw RefinementError.invalidConfiguration(
                    "the anchor pool must hold \(c.anchorPoolSize) one-interval trajectories of shape \(shape) with class labels")
            }
        }
        if c.method == .adversarial && c.realSamples == .data {
            guard let data = realData, data.sampleShape == shape, data.count >= c.batchSize, data.classNames.count == classCount else {
                throw RefinementError.invalidConfiguration(
                    "the adversarial method needs real samples of shape \(shape) in \(classCount) classes, at least one batch of them")
            }
        }
        guard (c.realTilt > 0) == (realTilt != nil) else {
            throw RefinementError.invalidConfiguration("--real-tilt needs the class probability of every real sample, and only it gives them")
        }
        if let realTilt {
            guard realTilt.count == realData?.count, realTilt.allSatisfy({ $0.isFinite && $0 >= 0 && $0 <= 1 }) else {
                throw RefinementError.invalidConfiguration("the tilt's class probabilities must be one in [0, 1] per real sample")
            }
        }
    }

    /// Labels and prior draws: from the anchor pool (with its endpoints) when the anchor is on, else fresh.
    func drawGeneratorBatch(_ count: Int) -> GeneratorBatch {
        let shape = header.generatorArchitecture.sampleShape
        if configuration.anchorWeight > 0, let pool = anchorPool {
            let indices = (0..<count).map { _ in state.random.index(below: pool.trajectoryCount) }
            let (prior, labels) = poolPoints(pool, indices: indices, gridIndex: 0)
            return GeneratorBatch(labels: labels, prior: prior, anchorTargets: poolPoints(pool, indices: indices, gridIndex: 1).points)
        }
        let classCount = header.generatorArchitecture.classCount
        let labels = (0..<count).map { _ in classCount > 0 ? state.random.index(below: classCount) : 0 }
        let prior = path.prior(shape: [count] + shape, seed: state.random.next())
        return GeneratorBatch(labels: labels, prior: prior, anchorTargets: nil)
    }

    func poolPoints(_ pool: TeacherTrajectoryPool, indices: [Int], gridIndex: Int) -> (points: Tensor, labels: [Int]) {
        var buffer = [Float](repeating: 0, count: indices.count * pool.sampleShape.reduce(1, *))
        for (row, index) in indices.enumerated() { pool.copyPoint(trajectory: index, gridIndex: gridIndex, into: &buffer, row: row) }
        return (Tensor(shape: [indices.count] + pool.sampleShape, scalars: buffer), indices.map { pool.labels[$0] })
    }

    /// Adds λ·∂/∂x₀ mean (x₀ − x̄)² to `dSamples` (λ the anchor weight at this step) and λ·error to `loss`;
    /// returns the mean squared error.
    func addAnchorGradient(samples: Tensor, targets: Tensor, into dSamples: inout Tensor, loss: inout Double) -> Double {
        let weight = configuration.anchorWeight(atStep: state.step)
        let scale = Float(2 * weight) / Float(samples.count)
        var squares = 0.0
        for i in 0..<samples.count {
            let difference = samples.scalars[i] - targets.scalars[i]
            squares += Double(difference * difference)
            dSamples.scalars[i] += scale * difference
        }
        let error = squares / Double(samples.count)
        loss += weight * error
        return error
    }

    /// One discriminator update on a real batch against the generator's samples (detached).
    func updateDiscriminator(fake samples: Tensor, labels: [Int], report: inout StepReport) {
        guard let discriminator, var weights = state.discriminator, var optimizer = state.discriminatorOptimizer else { return }
        let count = samples.shape[0]
        let real: (points: Tensor, labels: [Int])
        if configuration.realSamples == .teacher, let pool = anchorPool {
            real = poolPoints(pool, indices: (0..<count).map { _ in state.random.index(below: pool.trajectoryCount) }, gridIndex: 1)
        } else if let data = realData {
            let indices = (0..<count).map { _ in
                realSampler.map { $0.index(uniform: state.random.uniform()) } ?? state.random.index(below: data.count)
            }
            let batch = data.batch(indices: indices)
            real = (batch.samples, batch.labels)
        } else {
            return  // checkInputs refuses this configuration
        }
        let update = AdversarialTerm.discriminatorGradients(
            discriminator, real: real.points, realLabels: real.labels, fake: samples, fakeLabels: labels,
            r1Weight: configuration.r1Weight)
        report.fakeNorm = optimizer.update(&weights, gradients: update.gradients, clippingNormTo: Float(configuration.gradientClipNorm))
        report.fakeLoss = update.loss
        report.critic = (update.meanRealLogit, update.meanFakeLogit, update.gradientPenalty)
        discriminator.parameters = weights
        state.discriminator = weights
        state.discriminatorOptimizer = optimizer
        state.fakeSteps += 1
    }
}
