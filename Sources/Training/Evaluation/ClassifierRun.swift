// `kac classifier train`'s run, callable without a process: train the evaluation classifier on
// ClassifierData, measure its test accuracy (overall and per class) and keep what a zoo manifest
// records — the configuration, the command, the data digest, and for a folder its data set name,
// class names and image counts — then write RUN/classifier.safetensors and RUN/classifier.json.
import Foundation

public struct ClassifierRun {
    public var record: ClassifierRecord
    public var accuracy: Double
    /// Per class: the share of its test images classified right (nil: no test image of it).
    public var accuracyPerClass: [Double?]
    public var seconds: Double
    public var testCount: Int

    /// Trains with `configuration` (its batch size capped at the training set's size); progress on
    /// standard error, `log` hears the network's size.
    public static func train(
        _ data: ClassifierData, configuration: ClassifierTrainingConfiguration, label: String, command: String,
        log: (String) -> Void
    ) throws -> ClassifierRun {
        let (train, test) = (data.train, data.test)
        var configuration = configuration
        configuration.batchSize = min(configuration.batchSize, train.count)
        let trainer = ClassifierTrainer(configuration: configuration, dataset: train)
        log("classifier: \(trainer.classifier.parameters.scalarCount) parameters, \(trainer.totalSteps) steps")
        let started = Date()
        let progress = ProgressReporter(title: "classifier", total: trainer.totalSteps, interactive: ProgressReporter.standardErrorIsTerminal)
        try trainer.run(progress: progress)
        let seconds = Date().timeIntervalSince(started)
        let accuracy = trainer.classifier.accuracy(test.samples, labels: test.labels)
        progress.finish(String(format: "test accuracy %.2f %% after %@", accuracy * 100, ProgressReporter.duration(seconds)))
        let perClass = ClassBalance.accuracyPerClass(
            predictions: trainer.classifier.predictions(test.samples), labels: test.labels, classCount: train.classNames.count)
        var record = ClassifierRecord(
            classifier: trainer.classifier, training: configuration, testAccuracy: accuracy, command: command,
            datasetDigest: data.digest.description, label: label)
        if let name = data.folderName {
            record.datasetName = name
            record.classNames = train.classNames
            record.trainingImageCount = train.count
            record.testImageCount = test.count
        }
        return ClassifierRun(record: record, accuracy: accuracy, accuracyPerClass: perClass, seconds: seconds, testCount: test.count)
    }

    /// Writes the checkpoint and the summary into `directory`; returns the checkpoint's path.
    public func save(in directory: String) throws -> String {
        let checkpointPath = directory + "/classifier.safetensors"
        try record.save(to: checkpointPath)
        let summary: [String: String] = [
            "testAccuracy": String(accuracy), "trainingSeconds": String(format: "%.1f", seconds),
            "parameters": String(record.classifier.parameters.scalarCount), "command": record.command ?? "",
        ]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(summary).write(to: URL(fileURLWithPath: directory + "/classifier.json"))
        return checkpointPath
    }
}
