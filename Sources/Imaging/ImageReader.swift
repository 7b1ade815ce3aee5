// Reading an image back through libvips: size, bands, container format, provenance and pixels.
// Used by tests and by the daemon's resume logic. Metadata is read from where ImageEncoder puts it:
// PNG text chunks (png-comment-N-KEY, in N order: one `kac-provenance` chunk of key=value lines, or
// in files written before it one chunk per key), else the XMP packet, else TIFF ImageDescription lines.
import Vocabulary

/// What a reader learns from an image file without decoding its pixels.
public struct ImageInfo: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public let bands: Int
    /// The colour interpretation libvips reads from the file: "srgb" (RGB), "b-w" (grey), …
    public let interpretation: String
    /// The container format libvips detected; nil for one Kac does not write.
    public let format: ImageFormat?
    /// The libvips loader name ("pngload", "jpegload_buffer", …).
    public let loader: String
    public let metadata: ImageMetadata
    /// The EXIF ImageDescription (JPEG, WebP: the same `key=value` lines as `metadata`), if any.
    public let exifDescription: String?
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
            throw ImagingError.readFailed(path: path, reason: Reason(cause: error))
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
            width: image.width, height: image.height, bands: image.bands, interpretation: image.interpretation,
            format: format(ofLoader: loader), loader: loader, metadata: metadata(of: image),
            exifDescription: exifDescription(of: image))
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

    /// ImageDescription (tag 270) of IFD0, read from the raw EXIF block: libvips' own string form
    /// of EXIF tags is cut at about 255 bytes, too short for our provenance.
    static func exifDescription(of image: VipsImageHandle) -> String? {
        image.blob("exif-data").flatMap { exifImageDescription($0) }
    }

    /// Parses a TIFF-structured EXIF block (optionally behind the "Exif\0\0" marker) for IFD0's
    /// ImageDescription, an ASCII value; nil when the block is malformed or has none.
    static func exifImageDescription(_ block: [UInt8]) -> String? {
        let tiff = block.starts(with: Array("Exif\0\0".utf8)) ? Array(block.dropFirst(6)) : block
        guard tiff.count >= 8 else { return nil }
        let littleEndian: Bool
        switch (tiff[0], tiff[1]) {
        case (0x49, 0x49): littleEndian = true  // "II"
        case (0x4D, 0x4D): littleEndian = false  // "MM"
        default: return nil
        }
        func integer(_ offset: Int, _ size: Int) -> Int? {
            guard offset >= 0, offset + size <= tiff.count else { return nil }
            let bytes = tiff[offset..<offset + size]
            return (littleEndian ? bytes.reversed() : Array(bytes)).reduce(0) { $0 << 8 | Int($1) }
        }
        guard let ifd = integer(4, 4), let count = integer(ifd, 2) else { return nil }
        for entry in 0..<count {
            let at = ifd + 2 + entry * 12
            guard let tag = integer(at, 2), let type = integer(at + 2, 2), let length = integer(at + 4, 4) else { return nil }
            guard tag == 270, type == 2 else { continue }  // ImageDescription, ASCII
            let start = length <= 4 ? at + 8 : (integer(at + 8, 4) ?? -1)
            guard start >= 0, start + length <= tiff.count else { return nil }
            let text = tiff[start..<start + length].prefix { $0 != 0 }
            return String(decoding: text, as: UTF8.self)
        }
        return nil
    }

    /// "png-comment-N-KEY" fields sorted by N (libvips numbers them in file order when loading), a
    /// `kac-provenance` chunk replaced by the entries of its lines.
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
        return numbered.sorted { $0.index < $1.index }.flatMap { _, entry in
            entry.key == ImageMetadata.pngKeyword ? ImageMetadata.parse(lines: entry.value).entries : [entry]
        }
    }
}
