// `kac dataset`: data set utilities. `export-folder` writes the Fashion-MNIST IDX set as a labelled
// image folder (OUT/<class>/<index>.png), the layout `kac train --data DIR` reads; with
// `--image-size 28 --channels 1` that folder decodes to exactly the IDX tensors (same digest).
import ArgumentParser
import Foundation
import Training

struct DatasetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dataset", abstract: "Data set utilities.",
        subcommands: [ExportFolder.self, Inspect.self])

    struct ExportFolder: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export-folder",
            abstract: "Write Fashion-MNIST (IDX) as a labelled image folder of PNGs: OUT/<class>/<index>.png.")

        @Option(help: "Fashion-MNIST directory (IDX files).")
        var datasetDirectory = FashionMNIST.defaultDirectory
        @Option(help: "Split: train or test.")
        var split: FashionMNIST.Split = .train
        @Option(help: "Only the first N images.")
        var limit: Int?
        @Argument(help: "Output folder (created; must be empty).")
        var output: String

        func validate() throws {
            if let limit, limit < 1 { throw ValidationError("--limit must be positive, got \(limit)") }
        }

        func run() throws {
            let dataset = try FashionMNIST.load(split, directory: datasetDirectory, limit: limit)
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
            abstract: "Decode a labelled image folder as `kac train --data DIR` would; print classes, counts, skipped files and the digest."
        )

        @Argument(help: "The image folder (one subfolder per class).")
        var folder: String
        @Option(help: "Keep the decoded-images cache in this directory.")
        var cacheDirectory: String?
        @OptionGroup var images: ImageFolderArguments

        func run() throws {
            let loaded = try images.load(folder, cacheDirectory: cacheDirectory)
            let dataset = loaded.decoded.dataset
            var counts = [Int](repeating: 0, count: dataset.classNames.count)
            for label in dataset.labels { counts[label] += 1 }
            print("dataset \(loaded.name)")
            print("samples \(dataset.count) of \(dataset.sampleShape.map(String.init).joined(separator: "×"))")
            for (name, count) in zip(dataset.classNames, counts) { print("class \(name) \(count)") }
            print("skipped \(loaded.decoded.skipped.count)")
            print("digest \(loaded.decoded.digest)")
        }
    }
}

extension FashionMNIST.Split: ExpressibleByArgument {}
