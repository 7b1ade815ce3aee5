// A user's own folder: the class-imbalance warning (largest class more than 3× the smallest),
// per-class accuracy, the stratified split `kac dataset split` writes (same seed, same split; every
// class keeps a share; sources only read), and the data set name a split folder takes.
import Foundation
import TestSupport
import Testing
import Training

@Suite struct ClassBalanceTests {
    @Test func imbalanceIsNamedAboveThreeToOne() {
        let names = ["circle", "square", "star"]
        let balanced = ClassBalance(labels: Array(repeating: 0, count: 30) + Array(repeating: 1, count: 20) + Array(repeating: 2, count: 10), classNames: names)
        #expect(balanced.counts == [30, 20, 10] && balanced.warning == nil)
        let skewed = ClassBalance(labels: Array(repeating: 0, count: 31) + Array(repeating: 1, count: 20) + Array(repeating: 2, count: 10), classNames: names)
        #expect(skewed.warning?.contains("circle has 31 images, star only 10") == true, "\(skewed.warning ?? "nil")")
        let empty = ClassBalance(labels: [0, 0, 0, 0], classNames: ["a", "b"])
        #expect(empty.warning?.contains("b only 0") == true)
    }

    @Test func accuracyPerClass() {
        let perClass = ClassBalance.accuracyPerClass(predictions: [0, 1, 1, 2, 0], labels: [0, 1, 2, 2, 0], classCount: 4)
        #expect(perClass == [1.0, 1.0, 0.5, nil])
        #expect(ClassBalance.describe(perClass, classNames: ["a", "b", "c", "d"]) == "a 100.0 %, b 100.0 %, c 50.0 %, d -")
    }

    @Test func splitIsStratifiedSeededAndLeavesTheSourceAlone() throws {
        let directory = TemporaryDirectory(prefix: "split")
        let source = directory.file("raw")
        for (name, count) in [("a", 20), ("b", 7), ("c", 1)] {
            try FileManager.default.createDirectory(atPath: source + "/" + name + "/sub", withIntermediateDirectories: true)
            for index in 0..<count {
                try Data("\(name)\(index)".utf8).write(to: URL(fileURLWithPath: "\(source)/\(name)/sub/\(index).png"))
            }
        }
        let folder = try ImageFolder.scan(root: source)
        let first = ImageFolderSplit.heldOut(folder, testFraction: 0.25, seed: 5)
        #expect(first == ImageFolderSplit.heldOut(folder, testFraction: 0.25, seed: 5))
        #expect(first != ImageFolderSplit.heldOut(folder, testFraction: 0.25, seed: 6))
        let summary = try ImageFolderSplit.write(folder, to: directory.file("out"), testFraction: 0.25, seed: 5)
        // 20 → 5 held out; 7 → 2 (1.75 rounded); 1 image → none (a class keeps at least one to train on).
        #expect(summary.test == [5, 2, 0] && summary.train == [15, 5, 1] && summary.copied == 0)
        let test = try ImageFolder.scan(root: directory.file("out/test"))
        #expect(test.entries.count == 7 && test.entries.allSatisfy { $0.relativePath.contains("/sub/") })
        #expect(try ImageFolder.scan(root: directory.file("out/train")).entries.count == 21)
        #expect(try ImageFolder.scan(root: source).entries.count == 28, "the source keeps every file")
        #expect(throws: DatasetError.self) { try ImageFolderSplit.write(folder, to: directory.file("out"), testFraction: 0.25, seed: 5) }
    }

    @Test func aSplitFolderIsNamedAfterItsParent() throws {
        let directory = TemporaryDirectory(prefix: "split-name")
        for path in ["icons/train/x", "icons/Test/x", "flowers/x", "icons/trainer/x"] {
            try FileManager.default.createDirectory(atPath: directory.file(path), withIntermediateDirectories: true)
        }
        #expect(try ImageFolder.scan(root: directory.file("icons/train")).name == "icons")
        #expect(try ImageFolder.scan(root: directory.file("icons/Test/")).name == "icons")
        #expect(try ImageFolder.scan(root: directory.file("flowers")).name == "flowers")
        #expect(try ImageFolder.scan(root: directory.file("icons/trainer")).name == "trainer")
    }
}
