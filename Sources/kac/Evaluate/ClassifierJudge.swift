// The judge shared by `kac eval` and `kac distill`: the evaluation classifier (a zoo reference or
// a checkpoint file) and the features of the reference images (cached) — Fashion-MNIST's 10,000
// test images, or a held-out labelled image folder (`--reference DIR`), decoded at the
// classifier's own image size and channels so the two can never disagree.
import Foundation
import Generation
import ModelStore
import Training

struct ClassifierJudge {
    /// What the samples are compared with.
    enum Reference {
        case fashionMNISTTest(directory: String)
        case folder(path: String, options: ImageFolderOptions)
    }

    var judge: SampleJudge
    /// "fashion-mnist/classifier@1" or the checkpoint path.
    var name: String
    var reference: String
    /// The classifier's classes (the folder's, for a folder reference).
    var classCount: Int

    /// - Parameter classCount: the models' class count, checked against the classifier's; nil takes the classifier's.
    static func load(
        _ classifier: String, zooPath: String, classCount: Int?, cacheDirectory: String, reference: Reference
    ) throws -> ClassifierJudge {
        let record =
            FileManager.default.fileExists(atPath: classifier)
            ? try ClassifierRecord.load(checkpointAt: classifier)
            : try ClassifierRecord.load(
                classifier, from: try ModelStore(root: zooPath, create: false, configuration: .init(validator: ZooModelValidator())))
        let configuration = record.classifier.configuration
        if let classCount, configuration.classCount != classCount {
            throw EvaluationError.classifierMismatch(
                classifier: record.label, model: "the models",
                reason: "it knows \(configuration.classCount) classes, the models \(classCount)")
        }
        let images: LabeledDataset
        let description: String
        switch reference {
        case .fashionMNISTTest(let directory):
            images = try FashionMNIST.load(.test, directory: directory)
            description = "fashion-mnist test (\(images.count) images)"
        case .folder(let path, var options):
            guard configuration.imageHeight == configuration.imageWidth else {
                throw EvaluationError.classifierMismatch(
                    classifier: record.label, model: path,
                    reason: "it takes \(configuration.imageHeight)×\(configuration.imageWidth) images; folders decode to squares")
            }
            options.imageSize = configuration.imageHeight
            options.channels = configuration.imageChannels
            images = try ImageFolderArguments.load(path, options: options, cacheDirectory: cacheDirectory).decoded.dataset
            if let names = record.classNames, names != images.classNames {
                throw EvaluationError.classifierMismatch(
                    classifier: record.label, model: path,
                    reason: "its classes are \(names.joined(separator: ", ")), the folder's \(images.classNames.joined(separator: ", "))")
            }
            guard images.classNames.count == configuration.classCount else {
                throw EvaluationError.classifierMismatch(
                    classifier: record.label, model: path,
                    reason: "it knows \(configuration.classCount) classes, the folder has \(images.classNames.count)")
            }
            description = "\(path) (\(images.count) images)"
        }
        let (features, cached) = try ReferenceStatistics.features(
            classifier: record.classifier, images: images.samples,
            labels: images.labels, cacheDirectory: cacheDirectory)
        Console.note("reference features of \(images.count) images \(cached ? "read from the cache" : "computed")")
        return ClassifierJudge(
            judge: .classifier(record.classifier, reference: features), name: record.label,
            reference: description, classCount: configuration.classCount)
    }
}
