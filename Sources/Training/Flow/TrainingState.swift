// The complete mutable state of a training run and its checkpoint file. Saving and restoring it
// resumes bit-exactly: weights, EMA shadow, Adam moments and step count, the trainer's RandomSource
// and the mini-batch iterator's position all round-trip through one safetensors file, written
// atomically (a crash leaves the previous checkpoint intact).
import DiskIO
import Foundation
import Generation
import ModelStore
import NeuralNet
import TensorCore
import Vocabulary

public struct TrainingState: Sendable {
    public var step: Int
    public var weights: ParameterSet
    public var average: ExponentialMovingAverage
    public var optimizer: Adam
    public var random: RandomSource
    public var batches: MiniBatchIterator.Position

    /// Checkpoint schema written in the `format` metadata key.
    public static let format = "kac-training-checkpoint/1"

    public init(
        step: Int, weights: ParameterSet, average: ExponentialMovingAverage, optimizer: Adam,
        random: RandomSource, batches: MiniBatchIterator.Position
    ) {
        self.step = step
        self.weights = weights
        self.average = average
        self.optimizer = optimizer
        self.random = random
        self.batches = batches
    }

    /// The state plus its recipe as one safetensors checkpoint (EMA weights under `ema.`).
    public func checkpoint(recipe: TrainingRecipe) throws -> Checkpoint {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let tensors =
            weights.namedTensors(prefix: "model.") + average.shadow.namedTensors(prefix: "ema.")
            + optimizer.firstMoment.namedTensors(prefix: "adam.m.") + optimizer.secondMoment.namedTensors(prefix: "adam.v.")
        let metadata: [String: String] = [
            "format": Self.format,
            "step": String(step),
            "adam.step": String(optimizer.stepCount),
            "random": random.state.map(String.init).joined(separator: ","),
            "batches": String(decoding: try encoder.encode(batches), as: UTF8.self),
            "recipe": String(decoding: try encoder.encode(recipe), as: UTF8.self),
        ]
        return Checkpoint(tensors: tensors, metadata: metadata)
    }

    /// Writes the checkpoint atomically to `path`.
    public func save(recipe: TrainingRecipe, to path: String) throws {
        let bytes = try Safetensors.encode(checkpoint(recipe: recipe))
        try AtomicFile.write(bytes, to: path)
    }

    /// Reads a training checkpoint: its recipe and its state, loaded into a network of that recipe.
    public static func load(from path: String) throws -> (recipe: TrainingRecipe, state: TrainingState) {
        let checkpoint = try Safetensors.read(from: path)
        return try restore(from: checkpoint, source: path)
    }

    public static func restore(from checkpoint: Checkpoint, source: String) throws -> (recipe: TrainingRecipe, state: TrainingState) {
        let metadata = checkpoint.metadata
        guard metadata["format"] == format else {
            throw TrainingError.notATrainingCheckpoint(path: source, found: metadata["format"] ?? "none")
        }
        let decoder = JSONDecoder()
        guard let recipeText = metadata["recipe"], let batchesText = metadata["batches"],
            let step = metadata["step"].flatMap(Int.init), let adamStep = metadata["adam.step"].flatMap(Int.init),
            let randomWords = metadata["random"]?.split(separator: ",").compactMap({ UInt64($0) }), randomWords.count == 4
        else { throw TrainingError.corruptCheckpoint(path: source, reason: "missing or malformed metadata") }
        let recipe = try decoder.decode(TrainingRecipe.self, from: Data(recipeText.utf8))
        let batches = try decoder.decode(MiniBatchIterator.Position.self, from: Data(batchesText.utf8))
        // Build the layout from the architecture (values are overwritten right after).
        var scratch = RandomSource(seed: 0)
        let layout = recipe.architecture.makeNetwork(random: &scratch).parameters
        var weights = layout, shadow = layout, first = layout, second = layout
        try weights.load(from: checkpoint, prefix: "model.")
        try shadow.load(from: checkpoint, prefix: "ema.")
        try first.load(from: checkpoint, prefix: "adam.m.")
        try second.load(from: checkpoint, prefix: "adam.v.")
        var optimizer = Adam(for: weights, learningRate: Float(recipe.training.learningRate))
        optimizer.firstMoment = first
        optimizer.secondMoment = second
        optimizer.stepCount = adamStep
        var average = ExponentialMovingAverage(of: shadow, decay: Float(recipe.training.emaDecay))
        average.shadow = shadow
        let state = TrainingState(
            step: step, weights: weights, average: average, optimizer: optimizer,
            random: RandomSource(state: randomWords), batches: batches)
        return (recipe, state)
    }
}

public enum TrainingError: Error, CustomStringConvertible {
    case notATrainingCheckpoint(path: String, found: String)
    case corruptCheckpoint(path: String, reason: String)
    case recipeMismatch(String)
    /// Options that cannot make a run (a network the data does not fit); said like a usage error.
    /// A configuration's own refusal is kept as the cause.
    case invalidOptions(Reason)
    case diverged(step: Int, loss: Float)
    /// Stopped on request (a signal) after `step`, with the checkpoint written.
    case interrupted(step: Int, checkpointPath: String?)

    public var description: String {
        switch self {
        case .notATrainingCheckpoint(let path, let found):
            return
                "\(path) is not a Kac training checkpoint (format \(found), expected \(TrainingState.format)); pass a file written by `kac train` or `kac distill`"
        case .corruptCheckpoint(let path, let reason):
            return "\(path): \(reason); delete it to start over, or restore an earlier checkpoint"
        case .recipeMismatch(let message):
            return message
        case .invalidOptions(let reason):
            return reason.description
        case .diverged(let step, let loss):
            return "training diverged at step \(step) (loss \(loss)); lower the learning rate or resume from an earlier checkpoint"
        case .interrupted(let step, let path?):
            return "interrupted after step \(step); \(path) holds every step so far — run the same command again to resume"
        case .interrupted(let step, nil):
            return "interrupted after step \(step) (no checkpoint was asked for)"
        }
    }
}
