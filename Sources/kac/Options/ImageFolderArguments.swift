// The options of a labelled image folder (`kac train --data DIR`, `kac classifier train --data DIR`,
// `kac eval --reference DIR`), declared once: sample size, channels, alpha background, strictness,
// data set name. `load` decodes the folder (or maps its cache) through Training's LoadedImageFolder,
// which says every skipped file with its path and reason, and the count.
import ArgumentParser
import Imaging
import ToolSupport
import Training

extension ImageDecoder.AlphaBackground: ExpressibleByArgument {}

struct ImageFolderArguments: ParsableArguments {
    @Option(help: "Image folders: side of the square samples (shorter side resized to it, then centre crop).") var imageSize = 32
    @Option(help: "Image folders: 3 (sRGB) or 1 (grey).") var channels = 3
    @Option(help: "Image folders: what transparent pixels are flattened onto (white or black).")
    var alphaBackground: ImageDecoder.AlphaBackground = .white
    @Flag(help: "Image folders: refuse the folder if any file cannot be decoded (default: report and skip it).") var strict = false
    @Option(help: "Image folders: the data set's name in the recipe and manifest (default: the folder's name).") var datasetName: String?

    func validate() throws {
        guard channels == 1 || channels == 3 else { throw ValidationError("--channels takes 1 or 3, got \(channels)") }
        guard (4...1024).contains(imageSize) else { throw ValidationError("--image-size takes 4…1024, got \(imageSize)") }
        if let datasetName, datasetName.isEmpty || datasetName.contains(where: \.isWhitespace) {
            throw ValidationError("--dataset-name takes a name without spaces, got '\(datasetName)'")
        }
    }

    var options: ImageFolderOptions {
        ImageFolderOptions(imageSize: imageSize, channels: channels, alphaBackground: alphaBackground, strict: strict)
    }

    /// Decodes `path` with these options, caching the decoded bytes in `cacheDirectory`; notes on standard error.
    func load(_ path: String, cacheDirectory: String?) throws -> LoadedImageFolder {
        try LoadedImageFolder.load(
            path, options: options, datasetName: datasetName, cacheDirectory: cacheDirectory, log: Console.note)
    }
}
