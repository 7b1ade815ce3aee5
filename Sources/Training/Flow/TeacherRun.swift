// A teacher's training run in one directory (`kac train`): RUN/checkpoint.safetensors, RUN/samples/
// and RUN/recipe.json. Opening a run resumes its checkpoint when the requested recipe matches the
// recorded one field for field (only the step count may grow), refuses with the differences when it
// does not, and starts fresh otherwise — so a re-run of the same command always continues the same run.
import Foundation
import Generation
import KacFlow
import NeuralNet

/// The network a teacher gets for its data: a UNet for images, an MLP for 2-D points.
public struct TeacherNetworkShape: Sendable, Equatable {
    public var width: Int
    public var multipliers: [Int]
    public var residualBlocks: Int
    /// Resolutions with self-attention; nil: the lowest (7 for 28×28 with three levels).
    public var attention: [Int]?
    /// The MLP's hidden width (2-D data).
    public var hiddenWidth: Int

    public init(width: Int, multipliers: [Int], residualBlocks: Int, attention: [Int]?, hiddenWidth: Int) {
        self.width = width
        self.multipliers = multipliers
        self.residualBlocks = residualBlocks
        self.attention = attention
        self.hiddenWidth = hiddenWidth
    }

    /// The architecture for samples of `dataset`; a UNet the images do not fit is refused.
    public func architecture(for dataset: LabeledDataset) throws(TrainingError) -> NetworkArchitecture {
        let shape = dataset.sampleShape
        guard shape.count == 3 else {
            return .mlp(
                MLPVelocityConfiguration(
                    dimension: shape[0], hiddenWidth: hiddenWidth, hiddenLayers: 3, embeddingWidth: 32,
                    classCount: dataset.classNames.count))
        }
        let lowest = shape[0] >> (multipliers.count - 1)
        let configuration = UNetConfiguration(
            imageHeight: shape[0], imageWidth: shape[1], imageChannels: shape[2], baseWidth: width,
            widthMultipliers: multipliers, residualBlocksPerLevel: residualBlocks, attentionResolutions: attention ?? [lowest],
            attentionHeads: 4, groupCount: 8, classCount: dataset.classNames.count)
        if let problem = configuration.validationError() {
            throw .invalidOptions("the UNet does not fit these images: \(problem); change --image-size or --multipliers")
        }
        return .unet(configuration)
    }
}

public enum TeacherRun {
    /// The trainer of the run in `directory` for `recipe` on `data`: the checkpoint resumed (its step
    /// count set to the recipe's) unless `fresh` or there is none; `recipe.json` written either way.
    /// `source` names the data in a batch-size refusal; `log` hears whether the run resumed.
    public static func open(
        directory: String, recipe: TrainingRecipe, data: LabeledDataset, source: String, fresh: Bool,
        log: (String) -> Void
    ) throws -> Trainer {
        try FileManager.default.createDirectory(atPath: directory + "/samples", withIntermediateDirectories: true)
        let checkpointPath = checkpointPath(in: directory)
        let trainer: Trainer
        if !fresh, FileManager.default.fileExists(atPath: checkpointPath) {
            var (recorded, state) = try TrainingState.load(from: checkpointPath)
            let differences = try recorded.differences(to: recipe)
            guard differences.isEmpty else { throw recorded.mismatch(in: directory, differences: differences) }
            recorded.training.totalSteps = recipe.training.totalSteps
            try data.checkBatchSize(recorded.training.batchSize, source: source)
            trainer = Trainer(
                recipe: recorded, state: state, objective: objective(for: recorded, dataset: data), datasetCount: data.count)
            log("resuming \(checkpointPath) at step \(state.step) of \(recipe.training.totalSteps)")
        } else {
            try data.checkBatchSize(recipe.training.batchSize, source: source)
            trainer = Trainer(recipe: recipe, objective: objective(for: recipe, dataset: data), datasetCount: data.count)
            log("new run in \(directory): \(trainer.network.parameters.scalarCount) parameters")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try Data(encoder.encode(trainer.recipe)).write(to: URL(fileURLWithPath: directory + "/recipe.json"))
        return trainer
    }

    public static func checkpointPath(in directory: String) -> String { directory + "/checkpoint.safetensors" }

    /// Class-conditional flow matching on the recipe's Kac path, with its label dropout.
    public static func objective(for recipe: TrainingRecipe, dataset: LabeledDataset) -> FlowMatchingObjective {
        FlowMatchingObjective(
            dataset: dataset, path: KacPath(configuration: recipe.path),
            labelDropout: recipe.training.labelDropout, nullLabel: recipe.architecture.classCount)
    }
}
