// `kac classifier train --data`: Fashion-MNIST's IDX set, or a labelled image folder (with its own
// held-out test folder, else every 10th image held out), decoded once into the run's cache; and
// the zoo name the classifier is published under — never another data set's judge by default.
import Vocabulary

extension ClassifierData {
    /// The images `data` names: `fashion-mnist` (IDX files in `fashionMNISTDirectory`) or a folder.
    public static func load(
        _ data: String, test: String?, folderOptions: ImageFolderOptions, datasetName: String?, cacheDirectory: String,
        fashionMNISTDirectory: String, log: (String) -> Void
    ) throws -> ClassifierData {
        let fashionMNIST = DatasetName.fashionMNIST.text
        guard TrainingData.isFolder(data, builtIn: [fashionMNIST]) else {
            guard data == fashionMNIST else {
                throw EvaluationError.invalidOptions("--data takes \(fashionMNIST) or an image folder path, got '\(data)'")
            }
            return try ClassifierData.fashionMNIST(directory: fashionMNISTDirectory)
        }
        func load(_ path: String) throws -> LoadedImageFolder {
            try LoadedImageFolder.load(path, options: folderOptions, datasetName: datasetName, cacheDirectory: cacheDirectory, log: log)
        }
        let loaded = try load(data)
        return try ClassifierData.folder(loaded, test: try test.map { ($0, try load($0)) })
    }

    /// `name`, else the data set's own judge: `<data set>/classifier` — never another data set's (a
    /// classifier of an image folder published as fashion-mnist/classifier would replace the judge
    /// every Fashion-MNIST evaluation uses by default).
    public func publishedName(_ name: String?) -> String {
        name ?? "\(folderName ?? DatasetName.fashionMNIST.text)/classifier"
    }
}
