// `kac dataset split SRC --out OUT`: the held-out split a user's own folder needs (a classifier is
// judged on OUT/test, `kac eval --reference OUT/test` compares samples with it, and the teacher
// trains on OUT/train only); and `kac dataset inspect --preview`, the decoded images as a sheet.
import ArgumentParser
import Foundation
import Generation
import Imaging
import TensorCore
import Training
import Vocabulary

extension DatasetCommand {
    struct Split: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "split",
            abstract: "Split a labelled image folder into OUT/train and OUT/test, the same fraction of every class held out.",
            discussion:
                "Files are hard-linked where possible (else copied); the source is only read, and OUT must not exist. The same --seed gives the same split. The data set name of OUT/train and OUT/test is OUT's name (a folder called train or test takes its parent's name), so the teacher, its students and the classifier all record one data set. Exit codes: 64 bad options, 65 a folder without class subfolders, 66 SRC missing, 73 OUT exists or cannot be written."
        )

        @Argument(help: "The image folder to split (one subfolder per class).")
        var source: String
        @Option(help: "The new folder to write OUT/train and OUT/test into.")
        var out: String
        @Option(help: "Fraction of each class held out for OUT/test (0 < f < 1).")
        var testFraction = 0.1
        @Option(help: "Seed of the per-class shuffle.")
        var seed: UInt64 = 1

        func validate() throws {
            guard testFraction > 0, testFraction < 1 else { throw ValidationError("--test-fraction takes a number between 0 and 1, got \(testFraction)") }
        }

        func run() throws {
            let folder = try ImageFolder.scan(root: source)
            guard !FileManager.default.fileExists(atPath: out) else {
                throw CommandFailure(.cannotCreate, "\(out) already exists; give --out a new folder (a split never writes into existing files)")
            }
            let summary = try ImageFolderSplit.write(folder, to: out, testFraction: testFraction, seed: seed)
            for (index, name) in summary.classNames.enumerated() {
                print("class \(name) train \(summary.train[index]) test \(summary.test[index])")
            }
            print("train \(summary.train.reduce(0, +)) images in \(out)/train, test \(summary.test.reduce(0, +)) in \(out)/test")
            if summary.copied > 0 { Console.note("\(summary.copied) files were copied (no hard links across file systems)") }
            let balance = ClassBalance(labels: folder.entries.map(\.label), classNames: folder.classNames)
            if let warning = balance.warning { Console.note("warning: \(source): \(warning)") }
        }
    }
}

/// The decoded images of a data set as a contact sheet: one labelled column per class.
enum DatasetPreview {
    static func write(_ dataset: LabeledDataset, rows: Int, to path: String) throws {
        let shape = dataset.sampleShape
        let classCount = dataset.classNames.count
        let size = shape.reduce(1, *)
        let byClass = (0..<classCount).map { label in dataset.labels.indices.filter { dataset.labels[$0] == label }.prefix(rows) }
        var scalars = [Float](repeating: 0, count: rows * classCount * size)  // mid grey where a class has fewer images
        for row in 0..<rows {
            for label in 0..<classCount where row < byClass[label].count {
                let index = byClass[label][byClass[label].startIndex + row]
                let target = (row * classCount + label) * size
                scalars.replaceSubrange(target..<(target + size), with: dataset.samples.scalars[(index * size)..<((index + 1) * size)])
            }
        }
        let samples = Tensor(shape: [rows * classCount] + shape, scalars: scalars)
        // Small images are enlarged so a person can see them (nearest neighbour: the pixels the trainer sees).
        let upscale = max(1, 64 / max(shape[0], 1))
        let sheet = try SampleImages.contactSheet(samples, columns: classCount, columnLabels: dataset.classNames, upscale: upscale)
        try ImageEncoder.write(sheet, as: .png(), to: path)
    }
}
