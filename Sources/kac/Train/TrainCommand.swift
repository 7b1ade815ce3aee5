// `kac train`: class-conditional Kac flow matching (KAC.md §4) on Fashion-MNIST, a labelled image
// folder (ROOT/<class>/<image>, decoded once into RUN/data/) or a 2-D toy set.
// A run lives in one directory: `checkpoint.safetensors` (written atomically every N steps),
// `samples/step-NNNNNN.png` previews, and `recipe.json`. Re-running the same command resumes
// from the checkpoint; `--steps` may extend a finished run, and any other option that differs from
// the run's recipe is refused (listing the differences) unless `--fresh` starts over.
import ArgumentParser
import KacFlow
import TensorCore
import ToolSupport
import Training
import Vocabulary

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a Kac-flow teacher (resumes automatically from RUN/checkpoint.safetensors).")

    @Option(
        help:
            "Dataset: \(TrainingData.builtInNames.joined(separator: ", ")), or a labelled image folder DIR (one subfolder per class; a path with a slash is always a folder)."
    )
    var data = DatasetName.fashionMNIST.text
    @Option(name: .customLong("run"), help: "Run directory (checkpoint, previews, recipe).") var runDirectory = "runs/teacher"
    @Option(help: "Total optimisation steps.") var steps = 4000
    @Option(help: "Mini-batch size.") var batchSize = 128
    @Option(help: "Adam learning rate.") var learningRate = 1e-3
    @Option(help: "Cosine-decay the learning rate to this fraction of it by the last step (1 = constant).")
    var finalLearningRateFraction = 1.0
    @Option(help: "EMA decay of the weights.") var ema = 0.999
    @Option(help: "Probability of training a sample with the null label (for guidance).") var labelDropout = 0.1
    @Option(help: "Seed for initialisation, batches and noise.") var seed: UInt64 = 1
    @Option(help: "UNet base width.") var width = 32
    @Option(help: "UNet width multipliers per level, comma separated.") var multipliers = "1,2,2"
    @Option(help: "Residual blocks per UNet level.") var residualBlocks = 1
    @Option(help: "Resolutions with self-attention, comma separated (default: the lowest, 7 for 28×28).") var attention: String?
    @Option(help: "MLP hidden width (2-D data).") var hiddenWidth = 256
    @Option(help: "Kac damping rate a.") var dampingRate = 9.0
    @Option(help: "Kac speed c.") var speed = 3.0
    @Option(help: "Signal schedule f(t).") var schedule: SignalSchedule = .linear
    @Option(help: "Write the checkpoint every N steps.") var checkpointEvery = 100
    @Option(help: "Write a preview grid every N steps (0 = never; images only).") var sampleEvery = 500
    @Flag(help: "Ignore an existing checkpoint and start over.") var fresh = false
    @OptionGroup var fashionMNIST: FashionMNISTLocation
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
        let shape = TeacherNetworkShape(
            width: width, multipliers: try CommaSeparated.positiveIntegers(multipliers, option: "--multipliers"),
            residualBlocks: residualBlocks,
            attention: try attention.map { try CommaSeparated.positiveIntegers($0, option: "--attention") }, hiddenWidth: hiddenWidth)
        var training = TeacherTraining(
            data: data, directory: runDirectory, shape: shape,
            path: KacPath.Configuration(dampingRate: dampingRate, speed: speed, horizon: 1, schedule: schedule),
            training: FlowTrainingConfiguration(
                batchSize: batchSize, learningRate: learningRate, emaDecay: ema, labelDropout: labelDropout, totalSteps: steps,
                finalLearningRateFraction: finalLearningRateFraction),
            seed: seed, command: Console.invocation)
        (training.checkpointEvery, training.sampleEvery, training.fresh) = (checkpointEvery, sampleEvery, fresh)
        (training.datasetDirectory, training.folderOptions, training.folderDatasetName) = (
            fashionMNIST.datasetDirectory, folder.options, folder.datasetName
        )
        try training.run(
            interactive: ProgressReporter.standardErrorIsTerminal, shouldStop: { InterruptSignal.isRequested }, log: Console.note)
    }
}
