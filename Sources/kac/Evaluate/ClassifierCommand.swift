// `kac classifier train`: the evaluation classifier (issue 3 item 4). Trains on the Fashion-MNIST
// training set (accuracy on the 10,000 test images) or on a labelled image folder (`--data DIR`;
// accuracy on `--test DIR`, else on every 10th image of DIR, held out), writes
// RUN/classifier.safetensors and RUN/classifier.json, and with --publish adds it to the zoo as kind
// `classifier` (fp16) with the folder's class names and data set name, as `--name` or, by default,
// `<data set>/classifier` — never silently as another data set's judge.
import ArgumentParser
import Foundation
import ToolSupport
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

    @Option(help: "fashion-mnist, or a labelled image folder DIR (one subfolder per class).") var data = DatasetName.fashionMNIST.text
    @Option(help: "Image folders: held-out test folder with the same classes (default: every 10th image of --data).") var test: String?
    @OptionGroup var folder: ImageFolderArguments
    @Option(name: .customLong("run"), help: "Run directory (checkpoint and summary).") var runDirectory = "runs/classifier"
    @Option(help: "Passes over the training images (Fashion-MNIST's 60,000, or the folder's images less those held out).") var epochs = 6
    @Option(help: "Mini-batch size.") var batchSize = 128
    @Option(help: "Adam learning rate (cosine-decayed to 2 % of it by the end).") var learningRate = 2e-3
    @Option(help: "Largest random shift of a training image in pixels (0 = no augmentation).") var shift = 0
    @Option(help: "Seed for initialisation, batch order and augmentation.") var seed: UInt64 = 1
    @Option(help: "Channels of the two conv pairs, comma separated.") var widths = "16,32"
    @Option(help: "Width of the feature layer (the Fréchet-distance features).") var hiddenWidth = 128
    @Flag(help: "Publish the trained classifier to the zoo.") var publish = false
    @OptionGroup var zoo: ZooLocation
    @Option(help: "Zoo name (with --publish; default: <data set>/classifier, e.g. fashion-mnist/classifier or icons/classifier).")
    var name: String?
    @Option(name: .customLong("tag"), help: "Extra tags to move to the new version (repeatable).") var tags: [String] = []
    @OptionGroup var fashionMNIST: FashionMNISTLocation
    @OptionGroup var threads: ThreadOptions

    func run() throws {
        threads.install()
        try FileManager.default.createDirectory(atPath: runDirectory, withIntermediateDirectories: true)
        let data = try ClassifierData.load(
            self.data, test: test, folderOptions: folder.options, datasetName: folder.datasetName, cacheDirectory: runDirectory + "/data",
            fashionMNISTDirectory: fashionMNIST.datasetDirectory, log: Console.note)
        // A name the zoo would refuse is refused before the training, not after it.
        if publish { _ = try ModelName(data.publishedName(name)) }
        let network = try data.network(widths: try CommaSeparated.positiveIntegers(widths, option: "--widths"), hiddenWidth: hiddenWidth)
        let configuration = ClassifierTrainingConfiguration(
            network: network, epochs: epochs, batchSize: batchSize, learningRate: learningRate, maximumShift: shift, seed: seed)
        let result = try ClassifierRun.train(
            data, configuration: configuration, label: runDirectory, command: Console.invocation, log: Console.note)
        let checkpointPath = try result.save(in: runDirectory)
        print(
            String(
                format: "test accuracy %.4f (%d test images), %.0f s, checkpoint %@", result.accuracy, result.testCount,
                result.seconds, checkpointPath))
        print("test accuracy per class: " + ClassBalance.describe(result.accuracyPerClass, classNames: data.train.classNames))
        if publish {
            let manifest = try result.record.publish(
                to: try zoo.open(create: true), name: data.publishedName(name), dtype: .f16, tags: tags)
            print("published \(manifest.name)@\(manifest.version) (\(manifest.compressedSize) bytes) to \(zoo.path)")
        }
    }
}
