// Where training and distillation get their samples, written once for every command: Fashion-MNIST's
// training set, a 2-D toy set (65,536 points drawn from the run's seed) or a labelled image folder
// (decoded, or mapped from its cache, with every skipped file and the class balance said through
// `log`). The data set's name, digest and — for a folder — class names go into the recipe.
import Foundation
import ModelStore
import TensorCore
import Vocabulary

/// The training data, its name and digest for the recipe, and its class names when it names them
/// itself (an image folder; Fashion-MNIST's and the toy sets' are implied by their names).
public struct TrainingData {
    public var dataset: LabeledDataset
    public var name: String
    public var digest: String?
    public var classNames: [String]?

    public init(dataset: LabeledDataset, name: String, digest: String? = nil, classNames: [String]? = nil) {
        self.dataset = dataset
        self.name = name
        self.digest = digest
        self.classNames = classNames
    }

    /// The built-in data set names: `fashion-mnist` and the toy sets' kebab names.
    public static let builtInNames = [DatasetName.fashionMNIST.text] + ToyDataset.allCases.map(\.kebabName)

    /// A built-in data set: Fashion-MNIST's training images (IDX files in `directory`) or a toy set's
    /// 65,536 points (stream 9 of `seed`); nil for any other name.
    public static func builtIn(_ name: String, directory: String, seed: UInt64) throws -> TrainingData? {
        if name == DatasetName.fashionMNIST.text {
            return TrainingData(
                dataset: try FashionMNIST.load(.train, directory: directory), name: name,
                digest: try FashionMNIST.trainingDigest(directory: directory).description)
        }
        guard let toy = ToyDataset(kebabName: name) else { return nil }
        var random = RandomSource(seed: seed, stream: 9)
        return TrainingData(dataset: toy.sample(count: 65_536, random: &random), name: name)
    }

    /// `data` names a folder when it contains a slash, or is not a built-in name and exists as a directory.
    public static func isFolder(_ data: String, builtIn: [String] = builtInNames) -> Bool {
        if data.contains("/") { return true }
        var isDirectory: ObjCBool = false
        return !builtIn.contains(data) && FileManager.default.fileExists(atPath: data, isDirectory: &isDirectory)
            && isDirectory.boolValue
    }
}

/// A labelled image folder as decoded for a command: the scan, the decoded samples and the data
/// set's name (`datasetName`, else the folder's).
public struct LoadedImageFolder {
    public var folder: ImageFolder
    public var decoded: DecodedImageFolder
    public var name: String

    /// Scans and decodes `path` with `options` (the cache in `cacheDirectory`), saying through `log` the
    /// classes, the first 50 skipped files and the class balance; progress goes to standard error.
    public static func load(
        _ path: String, options: ImageFolderOptions, datasetName: String? = nil, cacheDirectory: String?,
        log: (String) -> Void
    ) throws -> LoadedImageFolder {
        let (imageSize, channels) = (options.imageSize, options.channels)
        let folder = try ImageFolder.scan(root: path)
        log(
            "\(path): \(folder.classNames.count) classes (\(folder.classNames.joined(separator: ", "))), "
                + "\(folder.entries.count) files; samples \(imageSize)×\(imageSize)×\(channels)")
        let progress = ProgressReporter(
            title: "decode", total: folder.entries.count, interactive: ProgressReporter.standardErrorIsTerminal)
        let decoded = try ImageFolderLoader.load(folder, options: options, cacheDirectory: cacheDirectory, progress: progress)
        for skipped in decoded.skipped.prefix(50) { log("skipped \(skipped)") }
        if decoded.skipped.count > 50 { log("… and \(decoded.skipped.count - 50) more skipped files") }
        let source = decoded.fromCache ? "read from the cache \(decoded.cachePath ?? "")" : "decoded"
        progress.finish(
            "\(decoded.dataset.count) images \(source), \(decoded.skipped.count) skipped; data digest \(decoded.digest)")
        let balance = ClassBalance(labels: decoded.dataset.labels, classNames: decoded.dataset.classNames)
        if let warning = balance.warning { log("warning: \(path): \(warning)") }
        return LoadedImageFolder(folder: folder, decoded: decoded, name: datasetName ?? folder.name)
    }

    /// The folder as training data for a recipe.
    public var trainingData: TrainingData {
        TrainingData(
            dataset: decoded.dataset, name: name, digest: decoded.digest.description, classNames: decoded.dataset.classNames)
    }
}

extension ToyDataset {
    /// eightGaussians → eight-gaussians: the spelling of `--data`, recipes and manifests.
    public var kebabName: String { Spelling.kebabCase(rawValue) }

    /// The toy set with this kebab name (`eight-gaussians`), or nil.
    public init?(kebabName: String) {
        guard let toy = Self.allCases.first(where: { $0.kebabName == kebabName }) else { return nil }
        self = toy
    }
}
