// `kac classifier train`: the evaluation classifier (issue 3 item 4). Trains on the Fashion-MNIST
// training set, measures accuracy on the 10,000 test images, writes RUN/classifier.safetensors and
// RUN/classifier.json, and with --publish adds it to the zoo as kind `classifier` (fp16).
import ArgumentParser
import Foundation
import ModelStore
import NeuralNet
import TensorCore
import Training

struct ClassifierCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classifier",
        abstract: "Train and publish the evaluation classifier.",
        subcommands: [ClassifierTrain.self])
}

struct ClassifierTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train the Fashion-MNIST evaluation classifier and report its test accuracy.")

    @Option(name: .customLong("run"), help: "Run directory (checkpoint and summary).")
    var runDirectory = "runs/classifier"
    @Option(help: "Passes over the 60,000 training images.")
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
    @Option(help: "Zoo name (with --publish).")
    var name = "fashion-mnist/classifier"
    @Option(name: .customLong("tag"), help: "Extra tags to move to the new version (repeatable).")
    var tags: [String] = []
    @Option(help: "Fashion-MNIST directory.")
    var datasetDirectory = FashionMNIST.defaultDirectory

    @OptionGroup var threads: ThreadOptions

    func run() throws {
        threads.install()
        try FileManager.default.createDirectory(atPath: runDirectory, withIntermediateDirectories: true)
        let train = try FashionMNIST.load(.train, directory: datasetDirectory)
        let test = try FashionMNIST.load(.test, directory: datasetDirectory)
        let digest = try FashionMNIST.trainingDigest(directory: datasetDirectory)
        var network = ClassifierTrainingConfiguration.fashionMNISTNetwork
        network.widths = try TrainCommand.integers(widths, option: "--widths")
        network.hiddenWidth = hiddenWidth
        let configuration = ClassifierTrainingConfiguration(
            network: network, epochs: epochs, batchSize: batchSize, learningRate: learningRate, maximumShift: shift,
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

        let record = ClassifierRecord(
            classifier: trainer.classifier, training: configuration, testAccuracy: accuracy,
            command: Console.invocation,
            datasetDigest: digest.description, label: runDirectory)
        let checkpointPath = runDirectory + "/classifier.safetensors"
        try record.save(to: checkpointPath)
        try writeSummary(accuracy: accuracy, seconds: seconds, parameters: trainer.classifier.parameters.scalarCount)
        print(
            String(
                format: "test accuracy %.4f (%d test images), %.0f s, checkpoint %@", accuracy, test.count, seconds,
                checkpointPath))
        if publish {
            let store = try zoo.open(create: true)
            let manifest = try record.publish(to: store, name: name, dtype: .f16, tags: tags)
            print("published \(manifest.name)@\(manifest.version) (\(manifest.compressedSize) bytes) to \(zoo.path)")
        }
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
