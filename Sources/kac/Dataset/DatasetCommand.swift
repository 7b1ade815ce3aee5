// `kac dataset`: data set utilities. `export-folder` writes the Fashion-MNIST IDX set as a labelled
// image folder (OUT/<class>/<index>.png), the layout `kac train --data DIR` reads; with
// `--image-size 28 --channels 1` that folder decodes to exactly the IDX tensors (same digest).
import ArgumentParser
import Foundation
import ToolSupport
import Training

struct DatasetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dataset", abstract: "Data set utilities.",
        subcommands: [ExportFolder.self, Inspect.self, Split.self])

    struct ExportFolder: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export-folder",
            abstract: "Write Fashion-MNIST (IDX) as a labelled image folder of PNGs: OUT/<class>/<index>.png.")

        @OptionGroup var fashionMNIST: FashionMNISTLocation
        @Option(help: "Split: train or test.") var split: FashionMNIST.Split = .train
        @Option(help: "Only the first N images.") var limit: Int?
        @Argument(help: "Output folder (created; must be empty).") var output: String

        func validate() throws {
            if let limit, limit < 1 { throw ValidationError("--limit must be positive, got \(limit)") }
        }

        func run() throws {
            let dataset = try FashionMNIST.load(split, directory: fashionMNIST.datasetDirectory, limit: limit)
            let progress = ProgressReporter(
                title: "export", total: dataset.count, interactive: ProgressReporter.standardErrorIsTerminal)
            try ImageFolderExport.write(dataset, to: output, progress: progress)
            progress.finish(
                "\(dataset.count) images in \(dataset.classNames.count) class folders under \(output); "
                    + "data digest \(ImageDatasetDigest.digest(of: dataset))")
        }
    }

    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "inspect",
            abstract:
                "Decode a labelled image folder as `kac train --data DIR` would; print classes, counts, skipped files and the digest.",
            discussion:
                "With --preview FILE.png also write a contact sheet of the decoded images exactly as the trainer sees them (after resizing, cropping, flattening transparency and the channel conversion): one column per class, labelled, the first --preview-rows images of each class. A warning says when the classes are unbalanced (the largest more than 3× the smallest)."
        )

        @Argument(help: "The image folder (one subfolder per class).") var folder: String
        @Option(help: "Keep the decoded-images cache in this directory.") var cacheDirectory: String?
        @Option(help: "Write a contact sheet of the decoded images (PNG): one labelled column per class.") var preview: String?
        @Option(help: "Images per class in the --preview sheet.") var previewRows = 8
        @OptionGroup var images: ImageFolderArguments

        func validate() throws {
            guard (1...64).contains(previewRows) else { throw ValidationError("--preview-rows takes 1…64, got \(previewRows)") }
        }

        func run() throws {
            let loaded = try images.load(folder, cacheDirectory: cacheDirectory)
            let dataset = loaded.decoded.dataset
            let balance = ClassBalance(labels: dataset.labels, classNames: dataset.classNames)
            print("dataset \(loaded.name)")
            print("samples \(dataset.count) of \(dataset.sampleShape.map(String.init).joined(separator: "×"))")
            for (name, count) in zip(dataset.classNames, balance.counts) { print("class \(name) \(count)") }
            print("skipped \(loaded.decoded.skipped.count)")
            print("digest \(loaded.decoded.digest)")
            if let preview {
                try DatasetPreview.write(dataset, rows: previewRows, to: preview)
                Console.note("wrote \(preview): the first \(previewRows) decoded images of each class, one column per class")
            }
        }
    }
}

extension FashionMNIST.Split: ExpressibleByArgument {}
