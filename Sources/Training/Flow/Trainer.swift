// The training loop, readable top to bottom: draw a batch, regress, clip, Adam, EMA, log, and every
// N steps write a checkpoint atomically. A killed run resumed from its last checkpoint produces the
// same weights as an uninterrupted one (all randomness lives in the checkpointed state).
import Foundation
import NeuralNet
import TensorCore

public struct StepReport: Sendable {
    public var step: Int
    public var loss: Float
    public var gradientNorm: Float
}

public final class Trainer {
    public let recipe: TrainingRecipe
    public let network: any VelocityNetwork
    public private(set) var state: TrainingState
    private var batches: MiniBatchIterator
    private let objective: any TrainingObjective

    /// A fresh run: the network is initialised from the recipe's seed (stream 0); the trainer's own
    /// randomness is stream 1 and the batch order stream 2, so changing one never shifts the others.
    public convenience init(
        recipe: TrainingRecipe, objective: any TrainingObjective, datasetCount: Int,
        initialWeights: ParameterSet? = nil
    ) {
        var initRandom = RandomSource(seed: recipe.seed, stream: 0)
        let network = recipe.architecture.makeNetwork(random: &initRandom)
        if let initialWeights { network.parameters = initialWeights }
        let weights = network.parameters
        var orderRandom = RandomSource(seed: recipe.seed, stream: 2)
        let state = TrainingState(
            step: 0, weights: weights,
            average: ExponentialMovingAverage(of: weights, decay: Float(recipe.training.emaDecay)),
            optimizer: Adam(for: weights, learningRate: Float(recipe.training.learningRate)),
            random: RandomSource(seed: recipe.seed, stream: 1),
            batches: MiniBatchIterator(
                datasetCount: datasetCount, batchSize: recipe.training.batchSize,
                seed: orderRandom.next()
            ).position)
        self.init(recipe: recipe, state: state, objective: objective, datasetCount: datasetCount, network: network)
    }

    /// Continues from a saved state.
    public init(
        recipe: TrainingRecipe, state: TrainingState, objective: any TrainingObjective, datasetCount: Int,
        network: (any VelocityNetwork)? = nil
    ) {
        self.recipe = recipe
        self.state = state
        self.objective = objective
        var scratch = RandomSource(seed: 0)
        let network = network ?? recipe.architecture.makeNetwork(random: &scratch)
        network.parameters = state.weights
        self.network = network
        self.batches = MiniBatchIterator(
            datasetCount: datasetCount, batchSize: recipe.training.batchSize,
            resumingFrom: state.batches)
    }

    /// One optimisation step.
    @discardableResult
    public func step() -> StepReport {
        let indices = batches.next()
        let batch = objective.batch(indices: indices, random: &state.random)
        let (loss, gradients) = network.lossAndGradients(
            batch.inputs, times: batch.times, labels: batch.labels,
            guidance: batch.guidance, target: batch.target)
        // Work on a local copy: `state` is a class property, and updating two of its parts in one
        // call would be a simultaneous access.
        var weights = state.weights
        state.weights = ParameterSet()
        state.optimizer.learningRate = Float(recipe.training.learningRate(atStep: state.step))
        let norm = state.optimizer.update(
            &weights, gradients: gradients,
            clippingNormTo: Float(recipe.training.gradientClipNorm))
        state.weights = weights
        network.parameters = weights
        state.average.update(with: weights)
        state.step += 1
        state.batches = batches.position
        return StepReport(step: state.step, loss: loss, gradientNorm: norm)
    }

    /// The EMA weights as a ready network (what samplers and the zoo use).
    public func averagedNetwork() -> any VelocityNetwork {
        var scratch = RandomSource(seed: 0)
        let copy = recipe.architecture.makeNetwork(random: &scratch)
        copy.parameters = state.average.shadow
        return copy
    }

    public func save(to path: String) throws {
        try state.save(recipe: recipe, to: path)
    }

    /// Runs until `recipe.training.totalSteps`, checkpointing every `checkpointEvery` steps (and at
    /// the end) to `checkpointPath`, reporting progress, and calling `every(step)` hooks. When
    /// `shouldStop` (asked after every step) says so — Ctrl-C, SIGTERM — it writes the checkpoint
    /// and throws `TrainingError.interrupted`, so no step is lost.
    public func run(
        checkpointPath: String?, checkpointEvery: Int, progress: ProgressReporter?,
        hookEvery: Int = 0, hook: ((Trainer) throws -> Void)? = nil, shouldStop: () -> Bool = { false }
    ) throws {
        let total = recipe.training.totalSteps
        var lossWindow: [Float] = []
        var windowStart = Date()
        var windowSteps = 0
        var rate = 0.0
        while state.step < total {
            let report = step()
            guard report.loss.isFinite else { throw TrainingError.diverged(step: report.step, loss: report.loss) }
            lossWindow.append(report.loss)
            if lossWindow.count > 50 { lossWindow.removeFirst() }
            windowSteps += 1
            let elapsed = Date().timeIntervalSince(windowStart)
            if elapsed > 5 {
                rate = Double(windowSteps * recipe.training.batchSize) / elapsed
                windowStart = Date()
                windowSteps = 0
            }
            let meanLoss = lossWindow.reduce(0, +) / Float(lossWindow.count)
            progress?.update(
                completed: state.step,
                fields: [
                    String(format: "loss %.4f", meanLoss), String(format: "|g| %.3f", report.gradientNorm),
                    String(format: "%.0f samples/s", rate),
                ])
            if let checkpointPath, state.step % checkpointEvery == 0 || state.step == total {
                try save(to: checkpointPath)
            }
            if let hook, hookEvery > 0, state.step % hookEvery == 0 || state.step == total { try hook(self) }
            if state.step < total, shouldStop() {
                if let checkpointPath { try save(to: checkpointPath) }
                throw TrainingError.interrupted(step: state.step, checkpointPath: checkpointPath)
            }
        }
    }
}
