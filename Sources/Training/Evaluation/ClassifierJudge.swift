// The judge shared by `kac eval`, `kac distill` and `kac refine`: the evaluation classifier (a zoo reference or
// a checkpoint file) and the features of the reference images (cached) — Fashion-MNIST's 10,000
// test images, or a held-out labelled image folder (`--reference DIR`), decoded at the
// classifier's own image size and channels so the two can never disagree.
import Foundation
import Generation
import ModelStore
import Imaging
import Vocabulary

public struct ClassifierJudge {
    /// What the samples are compared with.
    public enum Reference: Sendable {
        case fashionMNISTTest(directory: String)
        case folder(path: String, options: ImageFolderOptions)
    }

    public var judge: SampleJudge
    /// "fashion-mnist/classifier@1" or the checkpoint path.
    public var name: String
    public var reference: String
    /// The classifier's classes (the folder's, for a folder reference).
    public var classCount: Int

    /// - Parameter classCount: the models' class count, checked against the classifier's; nil takes the classifier's.
    /// - Parameter log: hears the reference folder's decoding and whether the features came from the cache.
    public static func load(
        _ classifier: String, zooPath: String, classCount: Int?, cacheDirectory: String, reference: Reference,
        log: (String) -> Void
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
            images = try LoadedImageFolder.load(path, options: options, cacheDirectory: cacheDirectory, log: log).decoded.dataset
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
        log("reference features of \(images.count) images \(cached ? "read from the cache" : "computed")")
        return ClassifierJudge(
            judge: .classifier(record.classifier, reference: features), name: record.label,
            reference: description, classCount: configuration.classCount)
    }
}

extension ClassifierJudge {
    /// Where a judge comes from, as the commands' judge options give it.
    public struct Settings: Sendable {
        /// Zoo reference or a `kac classifier train` checkpoint ("none": no judge, where a command allows it).
        public var classifier: String
        /// Directory caching the reference feature statistics.
        public var cacheDirectory: String
        /// Fashion-MNIST's IDX files.
        public var datasetDirectory: String
        /// A held-out labelled image folder to compare with instead of Fashion-MNIST's test images.
        public var referenceFolder: String?
        public var referenceAlphaBackground: ImageDecoder.AlphaBackground

        public init(
            classifier: String, cacheDirectory: String, datasetDirectory: String, referenceFolder: String?,
            referenceAlphaBackground: ImageDecoder.AlphaBackground
        ) {
            self.classifier = classifier
            self.cacheDirectory = cacheDirectory
            self.datasetDirectory = datasetDirectory
            self.referenceFolder = referenceFolder
            self.referenceAlphaBackground = referenceAlphaBackground
        }

        /// The judge; `classCount` (the models') must match the classifier's unless nil.
        public func load(zooPath: String, classCount: Int?, log: (String) -> Void) throws -> ClassifierJudge {
            // Size and channels are the classifier's; `load` sets them.
            let folder = ImageFolderOptions(imageSize: 1, channels: 1, alphaBackground: referenceAlphaBackground)
            return try ClassifierJudge.load(
                classifier, zooPath: zooPath, classCount: classCount, cacheDirectory: cacheDirectory,
                reference: referenceFolder.map { .folder(path: $0, options: folder) }
                    ?? .fashionMNISTTest(directory: datasetDirectory), log: log)
        }

        /// Training images scored like the samples: what a perfect generator would score. Only
        /// Fashion-MNIST's training images are at hand (a reference folder is held out), so nil otherwise.
        public func realDataFloor(_ evaluator: SampleEvaluator, dataName: DatasetName, log: (String) -> Void) throws -> RealDataFloor? {
            guard case .classifier = evaluator.judge, dataName == .fashionMNIST, referenceFolder == nil else { return nil }
            let train = try FashionMNIST.load(.train, directory: datasetDirectory)
            let floor = evaluator.floor(
                train, source: "fashion-mnist train (\(evaluator.sampleCount) of \(train.count) images, seed \(evaluator.seed))")
            if let floor { log("real-data floor (\(floor.source)): " + floor.summary) }
            return floor
        }
    }
}
