// Encoding a raster plus provenance to PNG, JPEG, WebP or TIFF bytes, and writing them atomically.
// Invariant: same raster + format + metadata → byte-identical output (libvips 8.14 embeds no time,
// resolution is fixed); a failed write leaves nothing at the destination (AtomicFile).
// Where metadata lands: PNG one zTXt chunk `kac-provenance` (key=value lines); JPEG/WebP XMP + EXIF
// ImageDescription; TIFF ImageDescription + XMP.
import DiskIO
import Vocabulary

/// An output file format (Vocabulary's `ImageFormat`) with its encoder options.
public enum ImageEncoding: Sendable, Equatable {
    /// Lossless; `compression` is zlib level 0…9 (6 is libvips's default).
    case png(compression: Int = 6)
    /// `quality` 1…100.
    case jpeg(quality: Int)
    /// `quality` 1…100 (ignored by libwebp's lossless mode except as effort hint).
    case webp(quality: Int, lossless: Bool)
    /// Lossless, deflate-compressed with horizontal predictor.
    case tiff

    /// Lossy quality (jpeg, webp) when a request gives none.
    public static let defaultQuality = 90

    /// What a request's format, quality (nil: `defaultQuality`) and lossless flag mean — the one
    /// mapping a job file and `kac render` share. `quality` applies to jpeg and webp, `lossless` to
    /// webp only; callers refuse the contradictions first (quality for png, lossless for jpeg).
    /// png uses libvips' default compression.
    public init(format: ImageFormat, quality: Int? = nil, lossless: Bool = false) {
        switch format {
        case .png: self = .png()
        case .jpeg: self = .jpeg(quality: quality ?? Self.defaultQuality)
        case .webp: self = .webp(quality: quality ?? Self.defaultQuality, lossless: lossless)
        case .tiff: self = .tiff
        }
    }

    /// The file format this encoding writes.
    public var format: ImageFormat {
        switch self {
        case .png: .png
        case .jpeg: .jpeg
        case .webp: .webp
        case .tiff: .tiff
        }
    }

    /// Lower-case format name used in messages.
    public var name: String { format.rawValue }

    /// The conventional file extension, without the dot.
    public var fileExtension: String { format.fileExtension }

    /// Whether decoding returns exactly the encoded bytes.
    public var isLossless: Bool {
        switch self {
        case .png, .tiff: true
        case .jpeg: false
        case .webp(_, let lossless): lossless
        }
    }

    func validate() throws(ImagingError) {
        switch self {
        case .png(let compression):
            guard (0...9).contains(compression) else {
                throw ImagingError.invalidOption(name: "PNG compression", value: compression, allowed: 0...9)
            }
        case .jpeg(let quality), .webp(let quality, _):
            guard (1...100).contains(quality) else {
                throw ImagingError.invalidOption(name: "\(name) quality", value: quality, allowed: 1...100)
            }
        case .tiff:
            break
        }
    }
}

/// Stateless encoder; safe to call from several threads at once.
public enum ImageEncoder {
    /// Encodes `raster` with `metadata` to bytes in memory.
    public static func encode(
        _ raster: Raster, as format: ImageEncoding,
        metadata: ImageMetadata = .empty
    ) throws(ImagingError) -> [UInt8] {
        try format.validate()
        let image = try VipsImageHandle(copying: raster)
        attach(metadata, to: image, format: format)
        return try image.encoded(as: format)
    }

    /// Encodes and writes atomically to `path` (temporary file, fsync, rename, fsync directory).
    /// Returns the bytes written. On failure nothing new is left at `path` or beside it (an existing
    /// file at `path` stays intact). `faults` lets tests crash at each step of the atomic write.
    @discardableResult
    public static func write(
        _ raster: Raster, as format: ImageEncoding, metadata: ImageMetadata = .empty,
        to path: String, faults: FaultInjector = .none
    ) throws(ImagingError) -> [UInt8] {
        let bytes = try encode(raster, as: format, metadata: metadata)
        try writeAtomically(bytes, to: path, faults: faults)
        return bytes
    }

    /// Writes several encoded files into `directory`, each atomically, all durable on return, with
    /// two flushes in all (`DirectoryHandle.write(batch:)`; symlinks in `directory` are followed).
    public static func writeAtomically(batch files: [(name: String, bytes: [UInt8])], in directory: String) throws(ImagingError) {
        do { try DirectoryHandle(opening: directory).write(batch: files) } catch {
            throw ImagingError.writeFailed(path: directory, reason: Reason(cause: error))
        }
    }

    /// Writes already-encoded bytes through the project's atomic-write helper.
    public static func writeAtomically(_ bytes: [UInt8], to path: String, faults: FaultInjector = .none) throws(ImagingError) {
        do {
            try AtomicFile.write(bytes, to: path, faults: faults)
        } catch {
            throw ImagingError.writeFailed(path: path, reason: Reason(cause: error))
        }
    }

    /// Metadata field names libvips maps onto each container (see the file header).
    static func attach(_ metadata: ImageMetadata, to image: VipsImageHandle, format: ImageEncoding) {
        guard !metadata.isEmpty else { return }
        switch format {
        case .png:
            // One zTXt chunk `kac-provenance` holding the `key=value` lines. libvips (libpng backend)
            // writes each png-comment-N-KEY field as a chunk "KEY", and 8.14 always asks libpng for
            // zTXt, each chunk deflated from a freshly reset zlib stream: eleven fields cost 19–23 µs
            // of CPU more per 28×28 save than one field holding the same text, about a tenth of the
            // save (bench/png-encode-probe, two runs). ImageReader reads both layouts.
            image.setString("png-comment-0-\(ImageMetadata.pngKeyword)", metadata.lines)
        case .jpeg, .webp:
            image.setBlob("xmp-data", Array(metadata.xmpPacket.utf8))
            // libvips' EXIF writer cuts a final " (…)" off ASCII tags (it takes it for the suffix its
            // own reader appends), so a last value ending in ")" would lose its tail; a final newline
            // keeps every value whole (parse(lines:) ignores it).
            image.setString("exif-ifd0-ImageDescription", metadata.lines + "\n")
        case .tiff:
            image.setBlob("xmp-data", Array(metadata.xmpPacket.utf8))
            image.setString("image-description", metadata.lines)
        }
    }
}
