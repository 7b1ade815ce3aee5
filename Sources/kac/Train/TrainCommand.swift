// `kac train`: class-conditional Kac flow matching (KAC.md §4) on Fashion-MNIST, a labelled image
// folder (ROOT/<class>/<image>, decoded once into RUN/data/) or a 2-D toy set.
// A run lives in one directory: `checkpoint.safetensors` (written atomically every N steps),
// `samples/step-NNNNNN.png` previews, and `recipe.json`. Re-running the same command resumes
// from the checkpoint; `--steps` may extend a finished run, and any other option that differs from
// the run's recipe is refused (listing the differences) unless `--fresh` starts over.
import ArgumentParser
import Foundation
import Generation
import Imaging
import KacFlow
import NeuralNet
import TensorCore
import Training
import Vocabulary

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a Kac-flow teacher (resumes automatically from RUN/checkpoint.safetensors).")

    @Option(
        help:
            "Dataset: fashion-mnist, eight-gaussians, checkerboard, grid, paired-gaussians, or a labelled image folder DIR (one subfolder per class; a path with a slash is always a folder)."
    )
    var data = "fashion-mnist"
    @Option(name: .customLong("run"), help: "Run directory (checkpoint, previews, recipe).")
    var runDirectory = "runs/teacher"
    @Option(help: "Total optimisation steps.")
    var steps = 4000
    @Option(help: "Mini-batch size.")
    var batchSize = 128
    @Option(help: "Adam learning rate.")
    var learningRate = 1e-3
    @Option(help: "Cosine-decay the learning rate to this fraction of it by the last step (1 = constant).")
    var finalLearningRateFraction = 1.0
    @Option(help: "EMA decay of the weights.")
    var ema = 0.999
    @Option(help: "Probability of training a sample with the null label (for guidance).")
    var labelDropout = 0.1
    @Option(help: "Seed for initialisation, batches and noise.")
    var seed: UInt64 = 1
    @Option(help: "UNet base width.")
    var width = 32
    @Option(help: "UNet width multipliers per level, comma separated.")
    var multipliers = "1,2,2"
    @Option(help: "Residual blocks per UNet level.")
    var residualBlocks = 1
    @Option(help: "Resolutions with self-attention, comma separated (default: the lowest, 7 for 28×28).")
    var attention: String?
    @Option(help: "MLP hidden width (2-D data).")
    var hiddenWidth = 256
    @Option(help: "Kac damping rate a.")
    var dampingRate = 9.0
    @Option(help: "Kac speed c.")
    var speed = 3.0
    @Option(help: "Signal schedule f(t).")
    var schedule: SignalSchedule = .linear
    @Option(help: "Write the checkpoint every N steps.")
    var checkpointEvery = 100
    @Option(help: "Write a preview grid every N steps (0 = never; images only).")
    var sampleEvery = 500
    @Flag(help: "Ignore an existing checkpoint and start over.")
    var fresh = false
    @Option(help: "Fashion-MNIST directory.")
    var datasetDirectory = FashionMNIST.defaultDirectory

    @OptionGroup var folder: ImageFolderArguments
    @OptionGroup var threads: ThreadOptions

    /// Kac parameters outside their domain would stop the process in KacProcess's preconditions.
    func validate() throws {
        if let problem = KacParameters(dampingRate: dampingRate, speed: speed, horizon: 1).domainViolation {
            throw ValidationError("--damping-rate \(dampingRate) --speed \(speed): \(problem)")
        }
    }

    func run() throws {
        threads.install()
        AllocatorTuning.retainLargeBlocks()
        InterruptSignal.install(purpose: "finishing the step and writing the checkpoint")
        let source = try loadData()
        let trainer = try TeacherRun.open(
            directory: runDirectory, recipe: try makeRecipe(source), data: source.dataset, source: data, fresh: fresh,
            log: Console.note)
        Console.note("OpenBLAS core \(BLAS.coreName), \(BLAS.threadCount) threads")
        if let advice = BLAS.kernelAdvice() { Console.note("note: \(advice)") }
        let progress = ProgressReporter(
            title: "train", total: steps, interactive: ProgressReporter.standardErrorIsTerminal,
            startCompleted: trainer.state.step)
        let isImage = trainer.recipe.architecture.sampleShape.count == 3
        if let warning = FlowTrainingConfiguration.shortRunWarning(decay: ema, steps: steps, stepsOption: "--steps") {
            Console.note(warning)
        }
        let checkpointPath = TeacherRun.checkpointPath(in: runDirectory)
        try trainer.run(
            checkpointPath: checkpointPath, checkpointEvery: checkpointEvery, progress: progress,
            hookEvery: isImage ? sampleEvery : 0,
            hook: { trainer in try writePreview(trainer) },
            shouldStop: { InterruptSignal.isRequested })
        progress.finish("done at step \(trainer.state.step); checkpoint \(checkpointPath)")
    }

    private func loadData() throws -> TrainingData {
        if TrainingData.isFolder(data) {
            return try folder.load(data, cacheDirectory: runDirectory + "/data").trainingData
        }
        guard let source = try TrainingData.builtIn(data, directory: datasetDirectory, seed: seed) else {
            throw ValidationError(
                "unknown dataset '\(data)': use fashion-mnist, eight-gaussians, checkerboard, grid, paired-gaussians or an image folder path")
        }
        return source
    }

    private func makeRecipe(_ source: TrainingData) throws -> TrainingRecipe {
        let shape = TeacherNetworkShape(
            width: width, multipliers: try Self.integers(multipliers, option: "--multipliers"), residualBlocks: residualBlocks,
            attention: try attention.map { try Self.integers($0, option: "--attention") }, hiddenWidth: hiddenWidth)
        return TrainingRecipe(
            architecture: try shape.architecture(for: source.dataset),
            path: KacPath.Configuration(dampingRate: dampingRate, speed: speed, horizon: 1, schedule: schedule),
            training: FlowTrainingConfiguration(
                batchSize: batchSize, learningRate: learningRate, emaDecay: ema,
                labelDropout: labelDropout, totalSteps: steps,
                finalLearningRateFraction: finalLearningRateFraction),
            dataset: source.name, datasetDigest: source.digest, classNames: source.classNames, seed: seed,
            command: Console.invocation)
    }

    /// Two samples per class from the EMA weights, 50 Euler steps, guidance 1.5 (KAC.md §8 setting),
    /// one column per class with the class names under the columns.
    private func writePreview(_ trainer: Trainer) throws {
        let classCount = trainer.recipe.architecture.classCount
        let labels = (0..<(2 * classCount)).map { $0 % classCount }
        let generator = Generator(
            network: trainer.averagedNetwork(), architecture: trainer.recipe.architecture,
            path: trainer.recipe.path)
        let samples = generator.generate(
            labels: labels, seed: 2024, firstIndex: 0,
            settings: SamplingSettings(integrator: .euler, steps: 50, guidance: 1.5)
        ).samples
        let names = ClassNames.implied(byDataset: trainer.recipe.dataset, classCount: classCount)
        let classNames = trainer.recipe.classNames ?? (0..<classCount).map { names.name(of: $0) }
        let sheet = try SampleImages.contactSheet(samples, columns: classCount, columnLabels: classNames, upscale: 2)
        let path = String(format: "%@/samples/step-%06d.png", runDirectory, trainer.state.step)
        try ImageEncoder.write(sheet, as: .png(), to: path)
        let share = FlowTrainingConfiguration.initialWeightShare(decay: ema, steps: trainer.state.step)
        if share > FlowTrainingConfiguration.initialWeightWarningShare {
            Console.note(String(format: "%@: the EMA weights still hold %.0f%% of the random initial weights at this step; expect noise", path, 100 * share))
        }
    }

    static func integers(_ text: String, option: String) throws -> [Int] {
        let values = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw ValidationError("\(option) takes comma-separated positive integers, got '\(text)'")
        }
        return values.compactMap { $0 }
    }
}
