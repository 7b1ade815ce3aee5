// The only Swift file that calls libvips (through the CVipsShim wrappers). `VipsImageHandle` owns
// exactly one GObject reference and drops it in deinit, so no path — success or throw — leaks an
// image; buffers libvips allocates are copied into Swift arrays and g_free'd before returning.
// libvips is initialised lazily, once per process (pthread_once in the shim), and is thread-safe after.
import CVipsShim
import Vocabulary

/// One owned reference to a libvips image. Not shared across threads: each call builds its own.
final class VipsImageHandle {
    let pointer: UnsafeMutablePointer<VipsImage>

    private init(owning pointer: UnsafeMutablePointer<VipsImage>) { self.pointer = pointer }

    deinit { kac_image_unref(pointer) }

    /// Initialises libvips on first use; cheap afterwards.
    static func ensureLibrary() throws(ImagingError) {
        guard kac_vips_init() == 0 else { throw ImagingError.libraryUnavailable(reason: lastError()) }
    }

    static func lastError() -> String { String(cString: kac_vips_error()) }

    /// An image holding a copy of the raster's bytes.
    convenience init(copying raster: Raster) throws(ImagingError) {
        try VipsImageHandle.ensureLibrary()
        let made = raster.bytes.withUnsafeBufferPointer { buffer in
            kac_image_from_uchar(buffer.baseAddress, Int32(raster.width), Int32(raster.height), Int32(raster.channels))
        }
        guard let made else { throw ImagingError.vips(operation: "image from memory", message: VipsImageHandle.lastError()) }
        self.init(owning: made)
    }

    /// Loads an encoded file (header and metadata now, pixels on demand).
    static func load(path: String) throws(ImagingError) -> VipsImageHandle {
        try ensureLibrary()
        guard let loaded = kac_load_file(path) else { throw ImagingError.readFailed(path: path, reason: Reason(lastError())) }
        return VipsImageHandle(owning: loaded)
    }

    /// Loads encoded bytes and hands the image to `body` while the bytes are pinned; libvips may read
    /// them lazily, so the image must not escape `body`.
    static func withLoaded<T>(bytes: [UInt8], _ body: (VipsImageHandle) throws(ImagingError) -> T) throws(ImagingError) -> T {
        try ensureLibrary()
        let result: Result<T, ImagingError> = bytes.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress, let loaded = kac_load_buffer(base, buffer.count) else {
                return .failure(ImagingError.readFailed(path: "<memory>", reason: Reason(lastError())))
            }
            let image = VipsImageHandle(owning: loaded)
            do throws(ImagingError) { return .success(try body(image)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    var width: Int { Int(kac_image_width(pointer)) }
    var height: Int { Int(kac_image_height(pointer)) }
    var bands: Int { Int(kac_image_bands(pointer)) }
    var isEightBit: Bool { kac_image_band_format(pointer) == Int32(VIPS_FORMAT_UCHAR.rawValue) }
    /// libvips' colour interpretation ("srgb" for three bands, "b-w" for one, as this project writes).
    var interpretation: String { kac_image_interpretation(pointer).map { String(cString: $0) } ?? "unknown" }
    var loader: String? { kac_image_loader(pointer).map { String(cString: $0) } }

    /// Decodes all pixels into a raster; only 8-bit images with 1 or 3 bands are accepted.
    func raster() throws(ImagingError) -> Raster {
        guard isEightBit else {
            throw ImagingError.vips(operation: "read pixels", message: "image is not 8-bit (band format \(kac_image_band_format(pointer)))")
        }
        var length = 0
        guard let memory = kac_image_to_memory(pointer, &length) else {
            throw ImagingError.vips(operation: "write to memory", message: VipsImageHandle.lastError())
        }
        defer { kac_buffer_free(memory) }
        let bytes = [UInt8](UnsafeRawBufferPointer(start: memory, count: length))
        return try Raster(width: width, height: height, channels: bands, bytes: bytes)
    }

    // MARK: Metadata

    func setString(_ name: String, _ value: String) { kac_image_set_string(pointer, name, value) }

    func setBlob(_ name: String, _ bytes: [UInt8]) {
        bytes.withUnsafeBytes { kac_image_set_blob(pointer, name, $0.baseAddress, $0.count) }
    }

    func string(_ name: String) -> String? { kac_image_get_string(pointer, name).map { String(cString: $0) } }

    func blob(_ name: String) -> [UInt8]? {
        var length = 0
        guard let data = kac_image_get_blob(pointer, name, &length) else { return nil }
        return [UInt8](UnsafeRawBufferPointer(start: data, count: length))
    }

    var fieldNames: [String] {
        guard let names = kac_image_field_names(pointer) else { return [] }
        defer { kac_strv_free(names) }
        var result: [String] = []
        var index = 0
        while let name = names[index] {
            result.append(String(cString: name))
            index += 1
        }
        return result
    }

    // MARK: Operations

    func zoomed(by factor: Int) throws(ImagingError) -> VipsImageHandle {
        try output("zoom") { kac_zoom(pointer, $0, Int32(factor)) }
    }

    func resizedLanczos3(by scale: Double) throws(ImagingError) -> VipsImageHandle {
        try output("resize (lanczos3)") { kac_resize_lanczos3(pointer, $0, scale) }
    }

    /// A one-band ink mask of `text` on one line in `font` (a Pango description with a pixel size);
    /// as large as the text's extents.
    static func text(_ text: String, font: String) throws(ImagingError) -> VipsImageHandle {
        try ensureLibrary()
        var out: UnsafeMutablePointer<VipsImage>?
        guard kac_text(&out, text, font) == 0, let out else {
            throw ImagingError.textRenderingUnavailable(
                label: text, reason: "libvips text failed: " + lastError().trimmingTrailingNewlines())
        }
        return VipsImageHandle(owning: out)
    }

    private func output(
        _ operation: String,
        _ call: (UnsafeMutablePointer<UnsafeMutablePointer<VipsImage>?>) -> Int32
    ) throws(ImagingError) -> VipsImageHandle {
        var out: UnsafeMutablePointer<VipsImage>?
        guard call(&out) == 0, let out else {
            throw ImagingError.vips(operation: operation, message: VipsImageHandle.lastError())
        }
        return VipsImageHandle(owning: out)
    }

    // MARK: Encoding

    /// Encodes to memory in `format`, copying the result out of the libvips buffer.
    func encoded(as format: ImageEncoding) throws(ImagingError) -> [UInt8] {
        var buffer: UnsafeMutableRawPointer?
        var length = 0
        let status: Int32
        switch format {
        case .png(let compression): status = kac_pngsave(pointer, &buffer, &length, Int32(compression))
        case .jpeg(let quality): status = kac_jpegsave(pointer, &buffer, &length, Int32(quality))
        case .webp(let quality, let lossless): status = kac_webpsave(pointer, &buffer, &length, Int32(quality), lossless ? 1 : 0)
        case .tiff: status = kac_tiffsave(pointer, &buffer, &length)
        }
        defer { kac_buffer_free(buffer) }
        guard status == 0, let buffer else {
            throw ImagingError.vips(operation: "\(format.name) save", message: VipsImageHandle.lastError())
        }
        return [UInt8](UnsafeRawBufferPointer(start: buffer, count: length))
    }
}
