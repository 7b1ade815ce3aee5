// The evaluation classifier's data (`kac classifier train`): Fashion-MNIST's 60,000 training and
// 10,000 test images, or a labelled image folder with a held-out test folder of the same classes —
// else every 10th image of the folder (in its order) held out — and the network those images fit.
import Foundation
import ModelStore
import NeuralNet

public struct ClassifierData {
    public var train: LabeledDataset
    public var test: LabeledDataset
    /// The training data's digest, recorded with the classifier.
    public var digest: Digest
    /// The folder's data set name; nil for Fashion-MNIST.
    public var folderName: String?

    public init(train: LabeledDataset, test: LabeledDataset, digest: Digest, folderName: String?) {
        self.train = train
        self.test = test
        self.digest = digest
        self.folderName = folderName
    }

    /// Fashion-MNIST's training and test sets from the IDX files in `directory`.
    public static func fashionMNIST(directory: String) throws -> ClassifierData {
        ClassifierData(
            train: try FashionMNIST.load(.train, directory: directory), test: try FashionMNIST.load(.test, directory: directory),
            digest: try FashionMNIST.trainingDigest(directory: directory), folderName: nil)
    }

    /// A folder's images, tested on `test` (a folder of the same classes) or on every 10th image.
    public static func folder(_ loaded: LoadedImageFolder, test: (path: String, folder: LoadedImageFolder)?) throws -> ClassifierData {
        let all = loaded.decoded.dataset
        if let test {
            let held = test.folder.decoded.dataset
            guard held.classNames == all.classNames else {
                throw EvaluationError.invalidOptions(
                    "--test \(test.path) has classes \(held.classNames.joined(separator: ", ")), --data has \(all.classNames.joined(separator: ", "))")
            }
            return ClassifierData(train: all, test: held, digest: loaded.decoded.digest, folderName: loaded.name)
        }
        let trainIndices = all.labels.indices.filter { $0 % 10 != 9 }, testIndices = all.labels.indices.filter { $0 % 10 == 9 }
        guard !testIndices.isEmpty else {
            throw EvaluationError.invalidOptions("\(loaded.folder.root) has fewer than 10 images; give --test DIR")
        }
        let train = all.batch(indices: trainIndices), held = all.batch(indices: testIndices)
        return ClassifierData(
            train: LabeledDataset(samples: train.samples, labels: train.labels, classNames: all.classNames),
            test: LabeledDataset(samples: held.samples, labels: held.labels, classNames: all.classNames),
            digest: loaded.decoded.digest, folderName: loaded.name)
    }

    /// The Fashion-MNIST classifier's network resized to these images and classes, with `widths` and
    /// `hiddenWidth`; refused when the images cannot be halved once per width or a width does not
    /// split into the normalisation groups.
    public func network(widths: [Int], hiddenWidth: Int) throws -> ImageClassifierConfiguration {
        var network = ClassifierTrainingConfiguration.fashionMNISTNetwork
        (network.imageHeight, network.imageWidth, network.imageChannels) =
            (train.sampleShape[0], train.sampleShape[1], train.sampleShape[2])
        network.classCount = train.classNames.count
        network.widths = widths
        network.hiddenWidth = hiddenWidth
        let factor = 1 << network.widths.count
        guard network.imageHeight % factor == 0 && network.imageWidth % factor == 0 else {
            throw EvaluationError.invalidOptions(
                "the classifier halves the image \(network.widths.count) times: --image-size must be a multiple of \(factor)")
        }
        guard network.widths.allSatisfy({ $0 % network.groupCount == 0 }) else {
            throw EvaluationError.invalidOptions("--widths must be multiples of \(network.groupCount) (group normalisation)")
        }
        return network
    }
}
