// `kac dataset split SRC --out OUT`: the held-out split a user's own folder needs (a classifier is
// judged on OUT/test, `kac eval --reference OUT/test` compares samples with it, and the teacher
// trains on OUT/train only).
import ArgumentParser
import Foundation
import ToolSupport
import Training

extension DatasetCommand {
    struct Split: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "split",
            abstract: "Split a labelled image folder into OUT/train and OUT/test, the same fraction of every class held out.",
            discussion:
                "Files are hard-linked where possible (else copied); the source is only read, and OUT must not exist. The same --seed gives the same split. The data set name of OUT/train and OUT/test is OUT's name (a folder called train or test takes its parent's name), so the teacher, its students and the classifier all record one data set. Exit codes: 64 bad options, 65 a folder without class subfolders, 66 SRC missing, 73 OUT exists or cannot be written."
        )

        @Argument(help: "The image folder to split (one subfolder per class).") var source: String
        @Option(help: "The new folder to write OUT/train and OUT/test into.") var out: String
        @Option(help: "Fraction of each class held out for OUT/test (0 < f < 1).") var testFraction = 0.1
        @Option(help: "Seed of the per-class shuffle.") var seed: UInt64 = 1

        func validate() throws {
            guard testFraction > 0, testFraction < 1 else {
                throw ValidationError("--test-fraction takes a number between 0 and 1, got \(testFraction)")
            }
        }

        func run() throws {
            let folder = try ImageFolder.scan(root: source)
            guard !FileManager.default.fileExists(atPath: out) else {
                throw CommandFailure(
                    .cannotCreate, "\(out) already exists; give --out a new folder (a split never writes into existing files)")
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
