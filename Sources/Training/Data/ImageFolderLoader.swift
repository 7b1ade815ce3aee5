// Decodes an ImageFolder into a LabeledDataset ([N, S, S, C], values p/127.5 − 1 of each byte p,
// exactly as the Fashion-MNIST reader scales its bytes) with the Imaging module's ImageDecoder
// policy (EXIF orientation, sRGB or grey, alpha flattened, shorter side to S, centre crop).
// A file libvips cannot read is reported with its path and reason and skipped — or, with
// `strict`, refused; nothing traps. Decoding happens once: the bytes go to a cache file keyed by
// the file list (see ImageFolderCache), so re-runs and resumes map the cache instead.
import Foundation
import Imaging
import ModelStore
import TensorCore
import Vocabulary

/// How a folder's images become samples; part of the cache key and of a training run's recipe.
public struct ImageFolderOptions: Codable, Sendable, Equatable {
    /// Side S of the square samples.
    public var imageSize: Int
    /// 1 (grey) or 3 (sRGB).
    public var channels: Int
    public var alphaBackground: ImageDecoder.AlphaBackground
    /// Refuse the folder when any file cannot be decoded, instead of skipping it.
    public var strict: Bool

    public init(imageSize: Int, channels: Int, alphaBackground: ImageDecoder.AlphaBackground = .white, strict: Bool = false) {
        self.imageSize = imageSize
        self.channels = channels
        self.alphaBackground = alphaBackground
        self.strict = strict
    }
}

/// A file that was not used, and why.
public struct SkippedImage: Codable, Sendable, Equatable, CustomStringConvertible {
    public let path: String
    public let reason: String
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
    public var description: String { "\(path): \(reason)" }
}

/// A decoded folder: the samples, their digest (ImageDatasetDigest) and what was left out.
public struct DecodedImageFolder: Sendable {
    public let dataset: LabeledDataset
    public let digest: Digest
    public let skipped: [SkippedImage]
    /// The cache file read or written, if a cache directory was given.
    public let cachePath: String?
    public let fromCache: Bool
}

public enum ImageFolderLoader {
    /// Decodes `folder` (or maps its cache in `cacheDirectory`), reporting per file to `progress`.
    public static func load(
        _ folder: ImageFolder, options: ImageFolderOptions, cacheDirectory: String? = nil,
        progress: ProgressReporter? = nil
    ) throws -> DecodedImageFolder {
        guard options.channels == 1 || options.channels == 3 else {
            throw DatasetError.corrupt(path: folder.root, reason: "channels must be 1 or 3, not \(options.channels)")
        }
        guard (1...4096).contains(options.imageSize) else {
            throw DatasetError.corrupt(path: folder.root, reason: "image size must be in 1…4096, not \(options.imageSize)")
        }
        let strays =
            folder.strayFiles.map { SkippedImage(path: folder.root + "/" + Escaped.text($0), reason: "not inside a class folder") }
            + folder.refused
        let key = ImageFolderCache.key(of: folder, options: options)
        let cachePath = cacheDirectory.map { $0 + "/images-\(key.hex.prefix(16)).kacdata" }
        if let cachePath, let cached = ImageFolderCache.read(path: cachePath, key: key) {
            let skipped = strays + cached.skipped
            try refuseIfStrict(skipped, folder: folder, options: options)
            return DecodedImageFolder(
                dataset: cached.dataset, digest: cached.digest, skipped: skipped, cachePath: cachePath, fromCache: true)
        }
        let side = options.imageSize, perSample = side * side * options.channels
        var pixels: [UInt8] = []
        pixels.reserveCapacity(folder.entries.count * perSample)
        var labels: [Int] = []
        var skipped: [SkippedImage] = []
        for (index, entry) in folder.entries.enumerated() {
            let path = folder.root + "/" + entry.relativePath
            do {
                let bytes = try ImageFolder.readFile(root: folder.root, relativePath: entry.relativePath)
                let decoded = try ImageDecoder.decodeSquare(
                    bytes: bytes, name: path, side: side, channels: options.channels, alphaBackground: options.alphaBackground)
                pixels += decoded.raster.bytes
                labels.append(entry.label)
            } catch {
                skipped.append(SkippedImage(path: Escaped.text(path, limit: 1000), reason: Escaped.text(Self.reason(error).description, limit: 500)))
            }
            progress?.update(completed: index + 1, fields: skipped.isEmpty ? [] : ["skipped \(skipped.count)"])
        }
        try refuseIfStrict(strays + skipped, folder: folder, options: options)
        let counts = labels.reduce(into: [Int](repeating: 0, count: folder.classNames.count)) { $0[$1] += 1 }
        if let empty = counts.firstIndex(of: 0) {
            throw DatasetError.corrupt(
                path: folder.root + "/" + folder.classNames[empty],
                reason: "class \"\(folder.classNames[empty])\" has no readable image; add images or remove the folder")
        }
        let shape = [side, side, options.channels]
        let digest = pixels.withUnsafeBufferPointer {
            ImageDatasetDigest.digest(pixels: $0, labels: labels, sampleShape: shape, classNames: folder.classNames)
        }
        if let cachePath {
            try ImageFolderCache.write(
                path: cachePath, key: key, pixels: pixels, labels: labels, sampleShape: shape,
                classNames: folder.classNames, digest: digest, skipped: skipped)
        }
        let dataset = LabeledDataset(
            samples: Tensor(shape: [labels.count] + shape, scalars: pixels.map(Raster.value(ofByte:))),
            labels: labels, classNames: folder.classNames)
        return DecodedImageFolder(dataset: dataset, digest: digest, skipped: strays + skipped, cachePath: cachePath, fromCache: false)
    }

    static func refuseIfStrict(_ skipped: [SkippedImage], folder: ImageFolder, options: ImageFolderOptions) throws {
        guard options.strict, let first = skipped.first else { return }
        let list = skipped.prefix(20).map { "  \($0)" }.joined(separator: "\n")
        throw DatasetError.corrupt(
            path: first.path,
            reason: "\(skipped.count) file(s) of \(folder.root) cannot be used (--strict):\n\(list)\nremove or fix them")
    }

    /// Why one file was left out: the decoder's first line, else the error's own words.
    static func reason(_ error: any Error) -> Reason {
        if case .unreadable(_, let reason) = error as? DatasetError { return reason }
        if case .readFailed(_, let reason) = error as? ImagingError {
            return Reason(reason.description.split(separator: "\n").first.map(String.init) ?? "unreadable")
        }
        return Reason(cause: error)
    }
}
