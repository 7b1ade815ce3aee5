// The options of a labelled image folder (`kac train --data DIR`, `kac classifier train --data DIR`,
// `kac eval --reference DIR`), declared once: sample size, channels, alpha background, strictness,
// data set name. `load` decodes the folder (or maps its cache), prints every skipped file with its
// path and reason, and the count.
import ArgumentParser
import Foundation
import Imaging
import Training

extension ImageDecoder.AlphaBackground: ExpressibleByArgument {}

struct ImageFolderArguments: ParsableArguments {
    @Option(help: "Image folders: side of the square samples (shorter side resized to it, then centre crop).")
    var imageSize = 32
    @Option(help: "Image folders: 3 (sRGB) or 1 (grey).")
    var channels = 3
    @Option(help: "Image folders: what transparent pixels are flattened onto (white or black).")
    var alphaBackground: ImageDecoder.AlphaBackground = .white
    @Flag(help: "Image folders: refuse the folder if any file cannot be decoded (default: report and skip it).")
    var strict = false
    @Option(help: "Image folders: the data set's name in the recipe and manifest (default: the folder's name).")
    var datasetName: String?

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

    /// `--data` names a folder when it contains a slash or is not one of `builtIn` and exists as a directory.
    static func isFolder(_ data: String, builtIn: [String]) -> Bool {
        if data.contains("/") { return true }
        var isDirectory: ObjCBool = false
        return !builtIn.contains(data) && FileManager.default.fileExists(atPath: data, isDirectory: &isDirectory)
            && isDirectory.boolValue
    }

    /// Decodes `path` with these options, caching the decoded bytes in `cacheDirectory`.
    func load(_ path: String, cacheDirectory: String?) throws -> (folder: ImageFolder, decoded: DecodedImageFolder, name: String) {
        try Self.load(path, options: options, datasetName: datasetName, cacheDirectory: cacheDirectory)
    }

    /// Decodes `path` with `options`, printing progress and every skipped file.
    static func load(
        _ path: String, options: ImageFolderOptions, datasetName: String? = nil, cacheDirectory: String?
    ) throws -> (folder: ImageFolder, decoded: DecodedImageFolder, name: String) {
        let (imageSize, channels) = (options.imageSize, options.channels)
        let folder = try ImageFolder.scan(root: path)
        Console.note(
            "\(path): \(folder.classNames.count) classes (\(folder.classNames.joined(separator: ", "))), "
                + "\(folder.entries.count) files; samples \(imageSize)×\(imageSize)×\(channels)")
        let progress = ProgressReporter(
            title: "decode", total: folder.entries.count, interactive: ProgressReporter.standardErrorIsTerminal)
        let decoded = try ImageFolderLoader.load(folder, options: options, cacheDirectory: cacheDirectory, progress: progress)
        for skipped in decoded.skipped.prefix(50) { Console.note("skipped \(skipped)") }
        if decoded.skipped.count > 50 { Console.note("… and \(decoded.skipped.count - 50) more skipped files") }
        let source = decoded.fromCache ? "read from the cache \(decoded.cachePath ?? "")" : "decoded"
        progress.finish(
            "\(decoded.dataset.count) images \(source), \(decoded.skipped.count) skipped; data digest \(decoded.digest)")
        let balance = ClassBalance(labels: decoded.dataset.labels, classNames: decoded.dataset.classNames)
        if let warning = balance.warning { Console.note("warning: \(path): \(warning)") }
        return (folder, decoded, datasetName ?? folder.name)
    }
}
