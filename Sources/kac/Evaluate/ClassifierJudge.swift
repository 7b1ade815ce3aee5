// The Fashion-MNIST judge shared by `kac eval` and `kac distill`: the evaluation classifier (a zoo
// reference or a checkpoint file) and the features of the 10,000 test images (cached).
import Foundation
import ModelStore
import Training

struct ClassifierJudge {
    var judge: SampleJudge
    /// "fashion-mnist/classifier@1" or the checkpoint path.
    var name: String
    var reference: String

    static func load(
        _ classifier: String, zooPath: String, classCount: Int, cacheDirectory: String,
        datasetDirectory: String
    ) throws -> ClassifierJudge {
        let record =
            FileManager.default.fileExists(atPath: classifier)
            ? try ClassifierRecord.load(checkpointAt: classifier)
            : try ClassifierRecord.load(classifier, from: try ModelStore(root: zooPath, create: false))
        guard record.classifier.configuration.classCount == classCount else {
            throw EvaluationError.classifierMismatch(
                classifier: record.label, model: "the models",
                reason: "it knows \(record.classifier.configuration.classCount) classes, the models \(classCount)")
        }
        let test = try FashionMNIST.load(.test, directory: datasetDirectory)
        let (reference, cached) = try ReferenceStatistics.features(
            classifier: record.classifier, images: test.samples,
            labels: test.labels, cacheDirectory: cacheDirectory)
        Console.note("reference features of \(test.count) test images \(cached ? "read from the cache" : "computed")")
        return ClassifierJudge(
            judge: .classifier(record.classifier, reference: reference), name: record.label,
            reference: "fashion-mnist test (\(test.count) images)")
    }
}
