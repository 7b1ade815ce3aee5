// The only file in the project that calls zstd. Streaming compression and decompression in fixed
// chunks, so neither side ever holds more than one chunk of output beyond what the caller keeps;
// the caller's sink enforces size limits, which is how decompression bombs are stopped early.
import CZstd

/// Streaming zstd compressor. Feed input with `compress(_:finish:sink:)`; the last call passes
/// `finish: true` to close the frame.
final class ZstdCompressor {
    private let context: OpaquePointer
    private var output: [UInt8]

    init(level: Int32 = 3) throws {
        guard let context = ZSTD_createCCtx() else { throw ModelStoreError.compression("cannot allocate a compression context") }
        self.context = context
        output = [UInt8](repeating: 0, count: ZSTD_CStreamOutSize())
        try Self.check(ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, level))
        try Self.check(ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, 1))
    }

    deinit { ZSTD_freeCCtx(context) }

    func compress(
        _ input: UnsafeRawBufferPointer, finish: Bool,
        sink: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        var source = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
        let mode = finish ? ZSTD_e_end : ZSTD_e_continue
        var done = false
        while !done {
            let (remaining, produced) = output.withUnsafeMutableBytes { out -> (Int, Int) in
                var target = ZSTD_outBuffer(dst: out.baseAddress, size: out.count, pos: 0)
                let remaining = ZSTD_compressStream2(context, &target, &source, mode)
                return (remaining, target.pos)
            }
            try Self.check(remaining)
            if produced > 0 { try output.withUnsafeBytes { try sink(UnsafeRawBufferPointer(rebasing: $0[0..<produced])) } }
            done = finish ? remaining == 0 : source.pos == source.size
        }
    }

    static func check(_ code: Int) throws {
        if ZSTD_isError(code) != 0 { throw ModelStoreError.compression(String(cString: ZSTD_getErrorName(code))) }
    }
}

/// Streaming zstd decompressor for exactly one frame; bytes after the frame are an error.
final class ZstdDecompressor {
    private let context: OpaquePointer
    private var output: [UInt8]
    /// True once the frame's end (and checksum) has been read.
    private(set) var finished = false

    init() throws {
        guard let context = ZSTD_createDCtx() else { throw ModelStoreError.compression("cannot allocate a decompression context") }
        self.context = context
        output = [UInt8](repeating: 0, count: ZSTD_DStreamOutSize())
    }

    deinit { ZSTD_freeDCtx(context) }

    /// Recommended input chunk size.
    static var inputChunkSize: Int { ZSTD_DStreamInSize() }

    func decompress(_ input: UnsafeRawBufferPointer, sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        var source = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
        var outputFull = false
        while source.pos < source.size || outputFull {
            if finished { throw ModelStoreError.compression("data continues after the end of the zstd frame") }
            let (result, produced, capacity) = output.withUnsafeMutableBytes { out -> (Int, Int, Int) in
                var target = ZSTD_outBuffer(dst: out.baseAddress, size: out.count, pos: 0)
                let result = ZSTD_decompressStream(context, &target, &source)
                return (result, target.pos, out.count)
            }
            try ZstdCompressor.check(result)
            if produced > 0 { try output.withUnsafeBytes { try sink(UnsafeRawBufferPointer(rebasing: $0[0..<produced])) } }
            outputFull = produced == capacity
            if result == 0 { finished = true; outputFull = false }
        }
    }
}

enum Zstd {
    /// One-shot compression of an in-memory buffer.
    static func compress(_ bytes: [UInt8], level: Int32 = 3) throws -> [UInt8] {
        let compressor = try ZstdCompressor(level: level)
        var out: [UInt8] = []
        try bytes.withUnsafeBytes { input in
            try compressor.compress(input, finish: true) { out.append(contentsOf: $0) }
        }
        return out
    }

    /// One-shot decompression of one frame, refusing to produce more than `limit` bytes.
    static func decompress(_ bytes: [UInt8], limit: Int, source: String) throws -> [UInt8] {
        let decompressor = try ZstdDecompressor()
        var out: [UInt8] = []
        try bytes.withUnsafeBytes { input in
            try decompressor.decompress(input) { chunk in
                guard out.count + chunk.count <= limit else {
                    throw ModelStoreError.corruptBlob(path: source, reason: "it decompresses to more than the declared \(limit) bytes")
                }
                out.append(contentsOf: chunk)
            }
        }
        guard decompressor.finished else { throw ModelStoreError.corruptBlob(path: source, reason: "its zstd frame is truncated") }
        return out
    }
}
