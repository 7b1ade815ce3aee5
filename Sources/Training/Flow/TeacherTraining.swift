// `kac train`'s one entry point: the data (a built-in set, or a labelled image folder decoded once
// into RUN/data/), the recipe the options make, the run opened or resumed in RUN (`TeacherRun`),
// then the training loop with a checkpoint every N steps and a preview sheet every M (images only).
// An unknown data set name is `TrainingError.invalidOptions`, said like a usage error.
import Foundation
import Generation
import Imaging
import KacFlow
import NeuralNet
import TensorCore
import Vocabulary

public struct TeacherTraining {
    /// A built-in name (`TrainingData.builtInNames`) or a labelled image folder.
    public var data: String
    public var directory: String
    public var shape: TeacherNetworkShape
    public var path: KacPath.Configuration
    public var training: FlowTrainingConfiguration
    public var seed: UInt64
    public var checkpointEvery = 100
    /// A preview sheet every N steps (0: never; images only).
    public var sampleEvery = 500
    /// Ignore an existing checkpoint and start over.
    public var fresh = false
    /// Fashion-MNIST's IDX files.
    public var datasetDirectory = FashionMNIST.defaultDirectory
    /// How an image folder is decoded, and the data set name it is recorded under (nil: the folder's).
    public var folderOptions = ImageFolderOptions(imageSize: 32, channels: 3)
    public var folderDatasetName: String?
    /// The command line, recorded in the recipe.
    public var command: String

    public init(
        data: String, directory: String, shape: TeacherNetworkShape, path: KacPath.Configuration, training: FlowTrainingConfiguration,
        seed: UInt64, command: String
    ) {
        (self.data, self.directory, self.shape, self.path, self.training, self.seed) = (data, directory, shape, path, training, seed)
        self.command = command
    }

    /// Trains (or resumes) until the recipe's step count or until `shouldStop`; returns the checkpoint's path.
    @discardableResult
    public func run(interactive: Bool, shouldStop: @escaping () -> Bool, log: @escaping (String) -> Void) throws -> String {
        let source = try loadData(log: log)
        let recipe = TrainingRecipe(
            architecture: try shape.architecture(for: source.dataset), path: path, training: training,
            dataset: source.name, datasetDigest: source.digest, classNames: source.classNames, seed: seed, command: command)
        let trainer = try TeacherRun.open(directory: directory, recipe: recipe, data: source.dataset, source: data, fresh: fresh, log: log)
        log("OpenBLAS core \(BLAS.coreName), \(BLAS.threadCount) threads")
        if let advice = BLAS.kernelAdvice() { log("note: \(advice)") }
        let steps = training.totalSteps
        let progress = ProgressReporter(title: "train", total: steps, interactive: interactive, startCompleted: trainer.state.step)
        let isImage = trainer.recipe.architecture.sampleShape.count == 3
        if let warning = FlowTrainingConfiguration.shortRunWarning(decay: training.emaDecay, steps: steps, stepsOption: "--steps") {
            log(warning)
        }
        let checkpointPath = TeacherRun.checkpointPath(in: directory)
        try trainer.run(
            checkpointPath: checkpointPath, checkpointEvery: checkpointEvery, progress: progress, hookEvery: isImage ? sampleEvery : 0,
            hook: { trainer in try writePreview(trainer, log: log) }, shouldStop: shouldStop)
        progress.finish("done at step \(trainer.state.step); checkpoint \(checkpointPath)")
        return checkpointPath
    }

    func loadData(log: (String) -> Void) throws -> TrainingData {
        if TrainingData.isFolder(data) {
            return try LoadedImageFolder.load(
                data, options: folderOptions, datasetName: folderDatasetName, cacheDirectory: directory + "/data", log: log
            ).trainingData
        }
        guard let source = try TrainingData.builtIn(data, directory: datasetDirectory, seed: seed) else {
            throw TrainingError.invalidOptions(
                "unknown dataset '\(data)': use \(TrainingData.builtInNames.joined(separator: ", ")) or an image folder path")
        }
        return source
    }

    /// Two samples per class from the EMA weights, 50 Euler steps, guidance 1.5 (KAC.md §8 setting),
    /// one column per class with the class names under the columns: RUN/samples/step-NNNNNN.png.
    func writePreview(_ trainer: Trainer, log: (String) -> Void) throws {
        let classCount = trainer.recipe.architecture.classCount
        let labels = (0..<(2 * classCount)).map { $0 % classCount }
        let generator = Generator(network: trainer.averagedNetwork(), architecture: trainer.recipe.architecture, path: trainer.recipe.path)
        let samples = generator.generate(
            labels: labels, seed: 2024, firstIndex: 0, settings: SamplingSettings(integrator: .euler, steps: 50, guidance: 1.5)
        ).samples
        let names = ClassNames.implied(byDataset: trainer.recipe.dataset, classCount: classCount)
        let classNames = trainer.recipe.classNames ?? (0..<classCount).map { names.name(of: $0) }
        let sheet = try SampleImages.contactSheet(samples, columns: classCount, columnLabels: classNames, upscale: 2)
        let file = String(format: "%@/samples/step-%06d.png", directory, trainer.state.step)
        try ImageEncoder.write(sheet, as: .png(), to: file)
        let share = FlowTrainingConfiguration.initialWeightShare(decay: training.emaDecay, steps: trainer.state.step)
        if share > FlowTrainingConfiguration.initialWeightWarningShare {
            log(
                String(
                    format: "%@: the EMA weights still hold %.0f%% of the random initial weights at this step; expect noise", file,
                    100 * share))
        }
    }
}
