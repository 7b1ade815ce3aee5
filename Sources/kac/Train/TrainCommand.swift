// `kac train`: class-conditional Kac flow matching (KAC.md §4) on Fashion-MNIST, a labelled image
// folder (ROOT/<class>/<image>, decoded once into RUN/data/) or a 2-D toy set.
// A run lives in one directory: `checkpoint.safetensors` (written atomically every N steps),
// `samples/step-NNNNNN.png` previews, and `recipe.json`. Re-running the same command resumes
// from the checkpoint; `--steps` may extend a finished run, and any other option that differs from
// the run's recipe is refused (listing the differences) unless `--fresh` starts over.
import ArgumentParser
import Foundation
import Generation
import KacFlow
import NeuralNet
import RenderService
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

    static let builtInData = ["fashion-mnist"] + ToyDataset.allCases.map(\.kebabName)

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
        try FileManager.default.createDirectory(atPath: runDirectory + "/samples", withIntermediateDirectories: true)
        let checkpointPath = runDirectory + "/checkpoint.safetensors"
        let source = try loadData()
        let dataset = source.dataset
        let trainer: Trainer
        if !fresh, FileManager.default.fileExists(atPath: checkpointPath) {
            var (recipe, state) = try TrainingState.load(from: checkpointPath)
            let differences = try Self.differences(recorded: recipe, requested: try makeRecipe(source))
            guard differences.isEmpty else {
                let lines: [String] = differences.map { difference -> String in
                    "  \(difference.key): \(difference.recorded) in the run, \(difference.requested) now"
                }
                var message =
                    "\(runDirectory) was started with different options; resuming would train something other than recipe.json says:\n"
                message += lines.joined(separator: "\n")
                message += "\nthe run was started with: \(recipe.command)\n"
                message +=
                    "re-run with the original options (only --steps may change), pick a new --run directory, or pass --fresh to start over"
                throw CommandFailure(ExitStatus.usage, message)
            }
            recipe.training.totalSteps = steps
            try dataset.checkBatchSize(recipe.training.batchSize, source: data)
            let objective = objective(for: recipe, dataset: dataset)
            trainer = Trainer(recipe: recipe, state: state, objective: objective, datasetCount: dataset.count)
            Console.note("resuming \(checkpointPath) at step \(state.step) of \(steps)")
        } else {
            let recipe = try makeRecipe(source)
            try dataset.checkBatchSize(recipe.training.batchSize, source: data)
            trainer = Trainer(recipe: recipe, objective: objective(for: recipe, dataset: dataset), datasetCount: dataset.count)
            Console.note("new run in \(runDirectory): \(trainer.network.parameters.scalarCount) parameters")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try Data(encoder.encode(trainer.recipe)).write(to: URL(fileURLWithPath: runDirectory + "/recipe.json"))
        Console.note("OpenBLAS core \(BLAS.coreName), \(BLAS.threadCount) threads")
        if let advice = BLAS.kernelAdvice() { Console.note("note: \(advice)") }
        let progress = ProgressReporter(
            title: "train", total: steps, interactive: ProgressReporter.standardErrorIsTerminal,
            startCompleted: trainer.state.step)
        let isImage = trainer.recipe.architecture.sampleShape.count == 3
        if let warning = FlowTrainingConfiguration.shortRunWarning(decay: ema, steps: steps, stepsOption: "--steps") {
            Console.note(warning)
        }
        try trainer.run(
            checkpointPath: checkpointPath, checkpointEvery: checkpointEvery, progress: progress,
            hookEvery: isImage ? sampleEvery : 0,
            hook: { trainer in try writePreview(trainer) },
            shouldStop: { InterruptSignal.isRequested })
        progress.finish("done at step \(trainer.state.step); checkpoint \(checkpointPath)")
    }

    /// The training data, its name and digest for the recipe, and its class names when it names
    /// them itself (an image folder; Fashion-MNIST's are implied by its name).
    struct DataSource {
        var dataset: LabeledDataset
        var name: String
        var digest: String?
        var classNames: [String]?
    }

    private func loadData() throws -> DataSource {
        if ImageFolderArguments.isFolder(data, builtIn: Self.builtInData) {
            let loaded = try folder.load(data, cacheDirectory: runDirectory + "/data")
            let dataset = loaded.decoded.dataset
            return DataSource(
                dataset: dataset, name: loaded.name, digest: loaded.decoded.digest.description,
                classNames: dataset.classNames)
        }
        if data == "fashion-mnist" {
            let dataset = try FashionMNIST.load(.train, directory: datasetDirectory)
            return DataSource(
                dataset: dataset, name: data, digest: try FashionMNIST.trainingDigest(directory: datasetDirectory).description)
        }
        guard let toy = ToyDataset.allCases.first(where: { $0.kebabName == data }) else {
            throw ValidationError(
                "unknown dataset '\(data)': use fashion-mnist, eight-gaussians, checkerboard, grid, paired-gaussians or an image folder path")
        }
        var random = RandomSource(seed: seed, stream: 9)
        return DataSource(dataset: toy.sample(count: 65_536, random: &random), name: data)
    }

    private func makeRecipe(_ source: DataSource) throws -> TrainingRecipe {
        let dataset = source.dataset
        let architecture: NetworkArchitecture
        if dataset.sampleShape.count == 3 {
            let shape = dataset.sampleShape
            let levels = try Self.integers(multipliers, option: "--multipliers")
            let lowest = shape[0] >> (levels.count - 1)
            let configuration = UNetConfiguration(
                imageHeight: shape[0], imageWidth: shape[1], imageChannels: shape[2], baseWidth: width,
                widthMultipliers: levels, residualBlocksPerLevel: residualBlocks,
                attentionResolutions: try attention.map { try Self.integers($0, option: "--attention") } ?? [lowest],
                attentionHeads: 4, groupCount: 8, classCount: dataset.classNames.count)
            if let problem = configuration.validationError() {
                throw ValidationError("the UNet does not fit these images: \(problem); change --image-size or --multipliers")
            }
            architecture = .unet(configuration)
        } else {
            architecture = .mlp(
                MLPVelocityConfiguration(
                    dimension: dataset.sampleShape[0], hiddenWidth: hiddenWidth,
                    hiddenLayers: 3, embeddingWidth: 32,
                    classCount: dataset.classNames.count))
        }
        return TrainingRecipe(
            architecture: architecture,
            path: KacPath.Configuration(dampingRate: dampingRate, speed: speed, horizon: 1, schedule: schedule),
            training: FlowTrainingConfiguration(
                batchSize: batchSize, learningRate: learningRate, emaDecay: ema,
                labelDropout: labelDropout, totalSteps: steps,
                finalLearningRateFraction: finalLearningRateFraction),
            dataset: source.name, datasetDigest: source.digest, classNames: source.classNames, seed: seed,
            command: Console.invocation)
    }

    private func objective(for recipe: TrainingRecipe, dataset: LabeledDataset) -> FlowMatchingObjective {
        FlowMatchingObjective(
            dataset: dataset, path: KacPath(configuration: recipe.path),
            labelDropout: recipe.training.labelDropout, nullLabel: recipe.architecture.classCount)
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
        try ImageFiles.writePNG(sheet, to: path)
        let share = FlowTrainingConfiguration.initialWeightShare(decay: ema, steps: trainer.state.step)
        if share > FlowTrainingConfiguration.initialWeightWarningShare {
            Console.note(String(format: "%@: the EMA weights still hold %.0f%% of the random initial weights at this step; expect noise", path, 100 * share))
        }
    }

    /// The recipe fields (dotted JSON paths) whose values differ between the run's recorded recipe
    /// and the one these options would make; `--steps` (may extend a run) and the command line are
    /// not compared.
    static func differences(
        recorded: TrainingRecipe, requested: TrainingRecipe
    ) throws -> [(key: String, recorded: String, requested: String)] {
        func flatten(_ recipe: TrainingRecipe) throws -> [String: String] {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            var result: [String: String] = [:]
            func walk(_ value: Any, _ path: String) {
                if let object = value as? [String: Any] {
                    for (key, child) in object { walk(child, path.isEmpty ? key : path + "." + key) }
                } else if let array = value as? [Any] {
                    let items: [String] = array.map { String(describing: $0) }
                    result[path] = "[\(items.joined(separator: ","))]"
                } else {
                    result[path] = String(describing: value)
                }
            }
            walk(try JSONSerialization.jsonObject(with: try encoder.encode(recipe)), "")
            return result
        }
        let old = try flatten(recorded)
        let new = try flatten(requested)
        var result: [(key: String, recorded: String, requested: String)] = []
        for key in Set(old.keys).union(new.keys).sorted() where key != "command" && key != "training.totalSteps" {
            let before: String? = old[key]
            let now: String? = new[key]
            if before != now { result.append((key: key, recorded: before ?? "(absent)", requested: now ?? "(absent)")) }
        }
        return result
    }

    static func integers(_ text: String, option: String) throws -> [Int] {
        let values = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw ValidationError("\(option) takes comma-separated positive integers, got '\(text)'")
        }
        return values.compactMap { $0 }
    }
}

extension ToyDataset {
    /// eightGaussians → eight-gaussians (the CLI spelling).
    var kebabName: String {
        rawValue.reduce(into: "") { name, character in
            if character.isUppercase { name += "-" + character.lowercased() } else { name.append(character) }
        }
    }
}
