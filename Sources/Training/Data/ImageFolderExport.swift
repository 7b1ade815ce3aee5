// Writes an image data set as a labelled folder (ROOT/<class>/<index>.png, 8-bit PNG through
// libvips, plus ROOT/classes.txt keeping the label order): how the Fashion-MNIST IDX set becomes a
// folder that `kac train --data DIR` reads back to the same tensors and labels. File names are the sample's index in the data set, zero-padded to one
// width, so each class folder sorts in data set order and the folder lists the samples exactly as
// `LabeledDataset.groupedByClass()` orders them.
import DiskIO
import Foundation
import Imaging

public enum ImageFolderExport {
    /// Writes every sample of `dataset` ([N, H, W, C], C = 1 or 3, values p/127.5 − 1) below `root`.
    /// Refuses a root that already has entries, so an export never mixes with other files.
    public static func write(_ dataset: LabeledDataset, to root: String, progress: ProgressReporter? = nil) throws {
        let shape = dataset.sampleShape
        precondition(shape.count == 3, "ImageFolderExport: samples \(shape) are not images [H, W, C]")
        if let existing = try? FileManager.default.contentsOfDirectory(atPath: root), !existing.isEmpty {
            throw DatasetError.corrupt(path: root, reason: "the output folder is not empty; give a new or empty folder")
        }
        for name in dataset.classNames {
            guard !name.isEmpty, !name.hasPrefix("."), !name.contains("/") else {
                throw DatasetError.corrupt(path: root, reason: "class name \"\(name)\" cannot be a folder name")
            }
            try FileManager.default.createDirectory(atPath: root + "/" + name, withIntermediateDirectories: true)
        }
        let classList = dataset.classNames.joined(separator: "\n") + "\n"
        try AtomicFile.write(Array(classList.utf8), to: root + "/" + ImageFolder.classListName)
        let width = String(max(dataset.count - 1, 0)).count
        let perSample = shape.reduce(1, *)
        for index in 0..<dataset.count {
            let values = Array(dataset.samples.scalars[index * perSample..<(index + 1) * perSample])
            let raster = try Raster(quantizing: values, width: shape[1], height: shape[0], channels: shape[2])
            let number = String(index)
            let name = String(repeating: "0", count: width - number.count) + number
            let path = root + "/" + dataset.classNames[dataset.labels[index]] + "/" + name + ".png"
            try ImageEncoder.write(raster, as: .png(compression: 6), to: path)
            progress?.update(completed: index + 1)
        }
    }
}
