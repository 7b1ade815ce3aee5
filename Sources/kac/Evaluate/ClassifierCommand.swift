// `kac classifier train`: the evaluation classifier (issue 3 item 4). Trains on the Fashion-MNIST
// training set (accuracy on the 10,000 test images) or on a labelled image folder (`--data DIR`;
// accuracy on `--test DIR`, else on every 10th image of DIR, held out), writes
// RUN/classifier.safetensors and RUN/classifier.json, and with --publish adds it to the zoo as kind
// `classifier` (fp16) with the folder's class names and data set name, as `--name` or, by default,
// `<data set>/classifier` — never silently as another data set's judge.
import ArgumentParser
import Foundation
import ModelStore
import NeuralNet
import TensorCore
import Training
import Vocabulary

struct ClassifierCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classifier",
        abstract: "Train and publish the evaluation classifier.",
        subcommands: [ClassifierTrain.self])
}

struct ClassifierTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train an evaluation classifier (Fashion-MNIST or an image folder) and report its test accuracy.")

    @Option(help: "fashion-mnist, or a labelled image folder DIR (one subfolder per class).")
    var data = "fashion-mnist"
    @Option(help: "Image folders: held-out test folder with the same classes (default: every 10th image of --data).")
    var test: String?
    @OptionGroup var folder: ImageFolderArguments

    @Option(name: .customLong("run"), help: "Run directory (checkpoint and summary).")
    var runDirectory = "runs/classifier"
    @Option(help: "Passes over the training images (Fashion-MNIST's 60,000, or the folder's images less those held out).")
    var epochs = 6
    @Option(help: "Mini-batch size.")
    var batchSize = 128
    @Option(help: "Adam learning rate (cosine-decayed to 2 % of it by the end).")
    var learningRate = 2e-3
    @Option(help: "Largest random shift of a training image in pixels (0 = no augmentation).")
    var shift = 0
    @Option(help: "Seed for initialisation, batch order and augmentation.")
    var seed: UInt64 = 1
    @Option(help: "Channels of the two conv pairs, comma separated.")
    var widths = "16,32"
    @Option(help: "Width of the feature layer (the Fréchet-distance features).")
    var hiddenWidth = 128
    @Flag(help: "Publish the trained classifier to the zoo.")
    var publish = false
    @OptionGroup var zoo: ZooLocation
    @Option(help: "Zoo name (with --publish; default: <data set>/classifier, e.g. fashion-mnist/classifier or icons/classifier).")
    var name: String?
    @Option(name: .customLong("tag"), help: "Extra tags to move to the new version (repeatable).")
    var tags: [String] = []
    @Option(help: "Fashion-MNIST directory.")
    var datasetDirectory = FashionMNIST.defaultDirectory

    @OptionGroup var threads: ThreadOptions

    func run() throws {
        threads.install()
        try FileManager.default.createDirectory(atPath: runDirectory, withIntermediateDirectories: true)
        let data = try loadData()
        let (train, test, digest) = (data.train, data.test, data.digest)
        // A name the zoo would refuse is refused before the training, not after it.
        if publish { _ = try ModelName(publishedName(folderName: data.folderName)) }
        let network = try data.network(widths: try TrainCommand.integers(widths, option: "--widths"), hiddenWidth: hiddenWidth)
        let configuration = ClassifierTrainingConfiguration(
            network: network, epochs: epochs, batchSize: min(batchSize, train.count), learningRate: learningRate, maximumShift: shift,
            seed: seed)
        let trainer = ClassifierTrainer(configuration: configuration, dataset: train)
        Console.note("classifier: \(trainer.classifier.parameters.scalarCount) parameters, \(trainer.totalSteps) steps")
        let started = Date()
        let progress = ProgressReporter(
            title: "classifier", total: trainer.totalSteps,
            interactive: ProgressReporter.standardErrorIsTerminal)
        try trainer.run(progress: progress)
        let seconds = Date().timeIntervalSince(started)
        let accuracy = trainer.classifier.accuracy(test.samples, labels: test.labels)
        progress.finish(String(format: "test accuracy %.2f %% after %@", accuracy * 100, ProgressReporter.duration(seconds)))
        let perClass = ClassBalance.accuracyPerClass(
            predictions: trainer.classifier.predictions(test.samples), labels: test.labels, classCount: train.classNames.count)

        var record = ClassifierRecord(
            classifier: trainer.classifier, training: configuration, testAccuracy: accuracy,
            command: Console.invocation,
            datasetDigest: digest.description, label: runDirectory)
        if let name = data.folderName {
            record.datasetName = name
            record.classNames = train.classNames
            record.trainingImageCount = train.count
            record.testImageCount = test.count
        }
        let checkpointPath = runDirectory + "/classifier.safetensors"
        try record.save(to: checkpointPath)
        try writeSummary(accuracy: accuracy, seconds: seconds, parameters: trainer.classifier.parameters.scalarCount)
        print(
            String(
                format: "test accuracy %.4f (%d test images), %.0f s, checkpoint %@", accuracy, test.count, seconds,
                checkpointPath))
        print("test accuracy per class: " + ClassBalance.describe(perClass, classNames: train.classNames))
        if publish {
            let store = try zoo.open(create: true)
            let manifest = try record.publish(to: store, name: publishedName(folderName: data.folderName), dtype: .f16, tags: tags)
            print("published \(manifest.name)@\(manifest.version) (\(manifest.compressedSize) bytes) to \(zoo.path)")
        }
    }

    /// `--name`, else the data set's own judge: `<data set>/classifier` — never another data set's
    /// (a classifier of an image folder published as fashion-mnist/classifier would replace the
    /// judge every Fashion-MNIST evaluation uses by default).
    func publishedName(folderName: String?) -> String {
        name ?? "\(folderName ?? "fashion-mnist")/classifier"
    }

    /// Training and test images, the training data's digest, and the folder's data set name (nil: Fashion-MNIST).
    private func loadData() throws -> ClassifierData {
        guard TrainingData.isFolder(data, builtIn: ["fashion-mnist"]) else {
            guard data == "fashion-mnist" else {
                throw ValidationError("--data takes fashion-mnist or an image folder path, got '\(data)'")
            }
            return try ClassifierData.fashionMNIST(directory: datasetDirectory)
        }
        let loaded = try folder.load(data, cacheDirectory: runDirectory + "/data")
        let held = try test.map { ($0, try folder.load($0, cacheDirectory: runDirectory + "/data")) }
        return try ClassifierData.folder(loaded, test: held)
    }

    private func writeSummary(accuracy: Double, seconds: Double, parameters: Int) throws {
        let summary: [String: String] = [
            "testAccuracy": String(accuracy), "trainingSeconds": String(format: "%.1f", seconds),
            "parameters": String(parameters), "command": Console.invocation,
        ]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(summary).write(to: URL(fileURLWithPath: runDirectory + "/classifier.json"))
    }
}
