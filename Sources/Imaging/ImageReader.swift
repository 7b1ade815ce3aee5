// Reading an image back through libvips: size, bands, container format, provenance and pixels.
// Used by tests and by the daemon's resume logic. Metadata is read from where ImageEncoder puts it:
// PNG tEXt (png-comment-N-KEY, in N order), else the XMP packet, else TIFF ImageDescription lines.
import Vocabulary

/// What a reader learns from an image file without decoding its pixels.
public struct ImageInfo: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public let bands: Int
    /// The container format libvips detected; nil for one Kac does not write.
    public let format: ImageFormat?
    /// The libvips loader name ("pngload", "jpegload_buffer", …).
    public let loader: String
    public let metadata: ImageMetadata
}

public enum ImageReader {
    /// Reads the header and provenance of the file at `path`.
    public static func info(path: String) throws(ImagingError) -> ImageInfo {
        info(of: try VipsImageHandle.load(path: path))
    }

    /// Reads the header, provenance and pixels of the file at `path`.
    public static func read(path: String) throws(ImagingError) -> (info: ImageInfo, raster: Raster) {
        let image = try VipsImageHandle.load(path: path)
        let raster: Raster
        do {
            raster = try image.raster()
        } catch {
            throw ImagingError.readFailed(path: path, reason: error.description)
        }
        return (info(of: image), raster)
    }

    /// Reads the header, provenance and pixels of encoded bytes.
    public static func read(bytes: [UInt8]) throws(ImagingError) -> (info: ImageInfo, raster: Raster) {
        try VipsImageHandle.withLoaded(bytes: bytes) { (image) throws(ImagingError) in
            (info(of: image), try image.raster())
        }
    }

    static func info(of image: VipsImageHandle) -> ImageInfo {
        let loader = image.loader ?? ""
        return ImageInfo(
            width: image.width, height: image.height, bands: image.bands,
            format: format(ofLoader: loader), loader: loader, metadata: metadata(of: image))
    }

    static func format(ofLoader loader: String) -> ImageFormat? {
        ImageFormat.allCases.first { loader.hasPrefix($0.rawValue) }
    }

    static func metadata(of image: VipsImageHandle) -> ImageMetadata {
        let comments = pngComments(of: image)
        if !comments.isEmpty { return ImageMetadata(validated: comments) }
        if let xmp = image.blob("xmp-data") {
            let parsed = ImageMetadata.parse(xmp: String(decoding: xmp, as: UTF8.self))
            if !parsed.isEmpty { return parsed }
        }
        if let description = image.string("image-description") { return ImageMetadata.parse(lines: description) }
        return .empty
    }

    /// "png-comment-N-KEY" fields sorted by N; libvips numbers them in file order when loading.
    static func pngComments(of image: VipsImageHandle) -> [MetadataEntry] {
        let prefix = "png-comment-"
        var numbered: [(index: Int, entry: MetadataEntry)] = []
        for name in image.fieldNames where name.hasPrefix(prefix) {
            let rest = name.dropFirst(prefix.count)
            guard let dash = rest.firstIndex(of: "-"), let index = Int(rest[..<dash]),
                let value = image.string(name)
            else { continue }
            numbered.append((index, MetadataEntry(key: String(rest[rest.index(after: dash)...]), value: value)))
        }
        return numbered.sorted { $0.index < $1.index }.map(\.entry)
    }
}
