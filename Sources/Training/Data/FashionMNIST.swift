// Fashion-MNIST from the IDX files of Debian's `dataset-fashion-mnist` package: gunzip, check the
// IDX magic numbers (2051 images, 2049 labels), dimensions and byte counts, and scale pixels
// p ∈ 0...255 to p/127.5 − 1 ∈ [−1, 1]. Images come out as [N, 28, 28, 1] (NHWC).
// Invariant: a loaded split always has as many labels as images, each label in 0..<10.
import Foundation
import TensorCore
import Vocabulary

public enum FashionMNIST {
    public enum Split: String, Codable, CaseIterable, Sendable {
        case train
        case test

        /// File name prefix used by the IDX distribution.
        var filePrefix: String { self == .train ? "train" : "t10k" }
    }

    /// Where the Debian package installs the files.
    public static let defaultDirectory = "/usr/share/datasets/fashion-mnist"

    /// Class names by label index, in the dataset's order (Vocabulary's list, the one copy).
    public static var classNames: [String] { ClassNames.fashionMNIST.names }

    public static let imageSide = 28

    static let remedy =
        "install the Debian package dataset-fashion-mnist (apt-get install dataset-fashion-mnist), "
        + "or point the data directory at a folder holding {train,t10k}-{images-idx3,labels-idx1}-ubyte.gz"

    /// Loads one split from `directory`; with `limit`, only its first `limit` images.
    public static func load(_ split: Split, directory: String = defaultDirectory, limit: Int? = nil) throws -> LabeledDataset {
        let imagePath = directory + "/\(split.filePrefix)-images-idx3-ubyte.gz"
        let labelPath = directory + "/\(split.filePrefix)-labels-idx1-ubyte.gz"
        let labels = try readLabels(Gzip.contents(ofFile: labelPath, remedy: remedy), path: labelPath)
        let images = try readImages(Gzip.contents(ofFile: imagePath, remedy: remedy), path: imagePath)
        guard images.shape[0] == labels.count else {
            throw DatasetError.corrupt(
                path: imagePath,
                reason: "\(images.shape[0]) images but \(labels.count) labels in \(labelPath)")
        }
        let dataset = LabeledDataset(samples: images, labels: labels, classNames: classNames)
        return limit.map { dataset.prefix($0) } ?? dataset
    }

    /// IDX1 labels: magic 2049, count, then one byte per label.
    static func readLabels(_ bytes: [UInt8], path: String) throws -> [Int] {
        let header = try readHeader(bytes, path: path, magic: 2049, dimensions: 1)
        let count = header[0]
        guard bytes.count == 8 + count else {
            throw DatasetError.corrupt(path: path, reason: "\(count) labels need \(8 + count) bytes, found \(bytes.count)")
        }
        let labels = bytes[8...].map { Int($0) }
        if let bad = labels.first(where: { $0 >= classNames.count }) {
            throw DatasetError.corrupt(path: path, reason: "label \(bad) is not a class index (0..<\(classNames.count))")
        }
        return labels
    }

    /// IDX3 images: magic 2051, count, rows, columns, then bytes row-major. Returns [N, 28, 28, 1].
    static func readImages(_ bytes: [UInt8], path: String) throws -> Tensor {
        let header = try readHeader(bytes, path: path, magic: 2051, dimensions: 3)
        let (count, rows, columns) = (header[0], header[1], header[2])
        guard rows == imageSide && columns == imageSide else {
            throw DatasetError.corrupt(path: path, reason: "images are \(rows)×\(columns), expected \(imageSide)×\(imageSide)")
        }
        let pixels = count * rows * columns
        guard bytes.count == 16 + pixels else {
            throw DatasetError.corrupt(path: path, reason: "\(count) images need \(16 + pixels) bytes, found \(bytes.count)")
        }
        var scalars = [Float](repeating: 0, count: pixels)
        bytes.withUnsafeBufferPointer { source in
            scalars.withUnsafeMutableBufferPointer { destination in
                for j in 0..<pixels { destination[j] = Float(source[16 + j]) / 127.5 - 1 }
            }
        }
        return Tensor(shape: [count, rows, columns, 1], scalars: scalars)
    }

    /// Checks the big-endian magic word and returns the `dimensions` sizes that follow it.
    private static func readHeader(_ bytes: [UInt8], path: String, magic: UInt32, dimensions: Int) throws -> [Int] {
        let headerSize = 4 * (1 + dimensions)
        guard bytes.count >= headerSize else {
            throw DatasetError.corrupt(path: path, reason: "only \(bytes.count) bytes, shorter than the IDX header")
        }
        func word(_ index: Int) -> UInt32 {
            (0..<4).reduce(UInt32(0)) { ($0 << 8) | UInt32(bytes[4 * index + $1]) }
        }
        guard word(0) == magic else {
            throw DatasetError.corrupt(path: path, reason: "IDX magic number is \(word(0)), expected \(magic)")
        }
        return (1...dimensions).map { Int(word($0)) }
    }
}
