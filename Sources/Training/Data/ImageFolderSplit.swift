// Splits a labelled image folder into OUT/train/<class>/… and OUT/test/<class>/… for `kac dataset
// split`: the held-out images a classifier is judged on and `kac eval --reference` compares with,
// never seen by the teacher. Stratified: every class holds out the same fraction (rounded, at
// least one image of a class with two or more), chosen by a shuffle seeded by (seed, class), so a
// seed always gives the same split. Files keep their paths below the class folder and are hard
// links where the file system allows (no second copy of the images), else copies; classes.txt,
// if present, goes to both halves. The output must not exist yet: a split never mixes with or
// overwrites other files, and the source is only read.
import Foundation
import TensorCore
import Vocabulary

public enum ImageFolderSplit {
    /// Images per class in each half, in label order.
    public struct Summary: Sendable, Equatable {
        public let classNames: [String]
        public let train: [Int]
        public let test: [Int]
        /// Files copied because a hard link was refused (another file system).
        public let copied: Int
    }

    /// Which entries of `folder` are held out: per class, `testFraction` of them by a seeded shuffle.
    public static func heldOut(_ folder: ImageFolder, testFraction: Double, seed: UInt64) -> Set<Int> {
        precondition(testFraction > 0 && testFraction < 1, "testFraction \(testFraction) is not in (0, 1)")
        var held = Set<Int>()
        for label in folder.classNames.indices {
            var indices = folder.entries.indices.filter { folder.entries[$0].label == label }
            var random = RandomSource(seed: seed, stream: UInt64(label))
            indices.shuffle(using: &random)
            let wanted = Int((Double(indices.count) * testFraction).rounded())
            let count = indices.count >= 2 ? min(max(wanted, 1), indices.count - 1) : 0
            held.formUnion(indices.prefix(count))
        }
        return held
    }

    /// Writes the split of `folder` below `output` (which must not exist).
    public static func write(_ folder: ImageFolder, to output: String, testFraction: Double, seed: UInt64) throws -> Summary {
        let manager = FileManager.default
        guard !manager.fileExists(atPath: output) else {
            throw DatasetError.corrupt(path: output, reason: "it already exists; give a new folder for the split")
        }
        let held = heldOut(folder, testFraction: testFraction, seed: seed)
        var train = [Int](repeating: 0, count: folder.classNames.count), test = train
        var copied = 0
        do {
            try manager.createDirectory(atPath: output, withIntermediateDirectories: false)
            for half in ["train", "test"] {
                for name in folder.classNames {
                    try manager.createDirectory(atPath: "\(output)/\(half)/\(name)", withIntermediateDirectories: true)
                }
                let classList = folder.root + "/" + ImageFolder.classListName
                if manager.fileExists(atPath: classList) {
                    try manager.copyItem(atPath: classList, toPath: "\(output)/\(half)/\(ImageFolder.classListName)")
                }
            }
            for (index, entry) in folder.entries.enumerated() {
                let half = held.contains(index) ? "test" : "train"
                let target = "\(output)/\(half)/\(entry.relativePath)"
                try manager.createDirectory(
                    atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                let source = folder.root + "/" + entry.relativePath
                if link(source, target) != 0 {
                    try manager.copyItem(atPath: source, toPath: target)
                    copied += 1
                }
                if half == "test" { test[entry.label] += 1 } else { train[entry.label] += 1 }
            }
        } catch let error as DatasetError {
            throw error
        } catch {
            throw DatasetError.unreadable(
                path: output,
                reason: Reason("writing the split failed", cause: error, joint: .parentheses, then: "; remove \(output) and try again"))
        }
        return Summary(classNames: folder.classNames, train: train, test: test, copied: copied)
    }
}
