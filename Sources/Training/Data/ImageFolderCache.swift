// The decoded-images cache of an image folder: one file per (file list, options), so an epoch,
// a resumed run or a second command never decodes again. Layout (little-endian):
//   "KACIMGC1"                      magic and format version 1
//   UInt64 header length, then the header (JSON: key, class names, labels, shape, digest, skipped)
//   N × H × W × C bytes              the samples, class-major as the folder lists them
// The key is sha256 over the options and every file's relative path, label, size and
// modification time, so touching, adding or removing a file makes a new cache. Reading maps the
// file and checks the pixels against the recorded data digest; a cache that fails any check is
// ignored (decoded again), never trusted.
import DiskIO
import Foundation
import Imaging
import ModelStore
import TensorCore
import Vocabulary

enum ImageFolderCache {
    static let magic = Array("KACIMGC1".utf8)

    struct Header: Codable {
        var key: String
        var classNames: [String]
        var labels: [Int]
        var sampleShape: [Int]
        var digest: Digest
        var skipped: [SkippedImage]
    }

    static func key(of folder: ImageFolder, options: ImageFolderOptions) -> Digest {
        var hasher = DigestHasher()
        let head = "kac-image-folder-cache 1 \(options.imageSize) \(options.channels) \(options.alphaBackground.rawValue)\n"
        hasher.update(Array(head.utf8))
        for name in folder.classNames { hasher.update(Array(("class " + name + "\n").utf8)) }
        for entry in folder.entries {
            let path = folder.root + "/" + entry.relativePath
            let attributes = try? FileManager.default.attributesOfItem(atPath: path)
            let size = (attributes?[.size] as? NSNumber)?.int64Value ?? -1
            let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? -1
            hasher.update(Array("\(entry.label) \(size) \(modified) \(entry.relativePath)\n".utf8))
        }
        return hasher.finalize()
    }

    static func write(
        path: String, key: Digest, pixels: [UInt8], labels: [Int], sampleShape: [Int], classNames: [String],
        digest: Digest, skipped: [SkippedImage]
    ) throws {
        let header = Header(
            key: key.description, classNames: classNames, labels: labels, sampleShape: sampleShape,
            digest: digest, skipped: skipped)
        let json = try JSONEncoder().encode(header)
        var bytes = magic
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { bytes += $0 }
        bytes += json
        bytes += pixels
        do {
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try AtomicFile.write(bytes, to: path)
        } catch {
            throw DatasetError.unreadable(
                path: path, reason: Reason("cannot write the decoded-images cache", cause: error, joint: .parentheses))
        }
    }

    /// The cached data set, or nil when there is no usable cache for `key` at `path`.
    static func read(path: String, key: Digest) -> (dataset: LabeledDataset, digest: Digest, skipped: [SkippedImage])? {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) else { return nil }
        return data.withUnsafeBytes { raw -> (LabeledDataset, Digest, [SkippedImage])? in
            let prefix = magic.count + 8
            guard raw.count >= prefix, Array(raw[0..<magic.count]) == magic else { return nil }
            let length = raw[magic.count..<prefix].reversed().reduce(0) { $0 << 8 | Int($1) }
            guard length >= 0, length <= raw.count - prefix,
                let header = try? JSONDecoder().decode(Header.self, from: Data(raw[prefix..<prefix + length])),
                header.key == key.description, header.sampleShape.count == 3,
                header.labels.allSatisfy({ (0..<header.classNames.count).contains($0) })
            else { return nil }
            let perSample = header.sampleShape.reduce(1, *)
            let start = prefix + length
            guard raw.count - start == perSample * header.labels.count else { return nil }
            let pixels = UnsafeBufferPointer(rebasing: raw.assumingMemoryBound(to: UInt8.self)[start...])
            let digest = ImageDatasetDigest.digest(
                pixels: pixels, labels: header.labels, sampleShape: header.sampleShape, classNames: header.classNames)
            guard digest == header.digest else { return nil }
            let dataset = LabeledDataset(
                samples: Tensor(shape: [header.labels.count] + header.sampleShape, scalars: pixels.map(Raster.value(ofByte:))),
                labels: header.labels, classNames: header.classNames)
            return (dataset, digest, header.skipped)
        }
    }
}
