// The one file in Training that calls zlib: whole-file gunzip of a .gz into memory, through
// inflateInit2 with 16 + MAX_WBITS (gzip wrapper, CRC-32 and length checked by zlib itself).
// Concatenated gzip members are decoded one after another, as gzip(1) does.
// Invariant: returns the complete decompressed bytes or throws DatasetError; never partial data.
import CZlib
import Foundation

enum Gzip {
    /// Decompressed content of the gzip file at `path`. `remedy` goes into the missing-file error.
    static func contents(ofFile path: String, remedy: String) throws -> [UInt8] {
        guard FileManager.default.fileExists(atPath: path) else {
            throw DatasetError.missingFile(path: path, remedy: remedy)
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DatasetError.unreadable(path: path, reason: "the file could not be opened")
        }
        return try inflate([UInt8](data), path: path)
    }

    static func inflate(_ compressed: [UInt8], path: String) throws -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(compressed.count * 2)
        var stream = z_stream()
        let chunkSize = 1 << 20
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        let initStatus = inflateInit2_(&stream, 16 + MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard initStatus == Z_OK else {
            throw DatasetError.unreadable(path: path, reason: "zlib inflateInit2 failed with code \(initStatus)")
        }
        defer { inflateEnd(&stream) }
        try compressed.withUnsafeBufferPointer { input in
            guard let inputBase = input.baseAddress, !input.isEmpty else {
                throw DatasetError.corrupt(path: path, reason: "the file is empty, not gzip data")
            }
            stream.next_in = UnsafeMutablePointer(mutating: inputBase)
            stream.avail_in = UInt32(input.count)
            while true {
                let status: Int32 = chunk.withUnsafeMutableBufferPointer { buffer in
                    stream.next_out = buffer.baseAddress
                    stream.avail_out = UInt32(chunkSize)
                    return CZlib.inflate(&stream, Z_NO_FLUSH)
                }
                output.append(contentsOf: chunk[0..<(chunkSize - Int(stream.avail_out))])
                switch status {
                case Z_OK:
                    continue
                case Z_STREAM_END:
                    // Another gzip member may follow; anything else after the end is an error.
                    if stream.avail_in == 0 { return }
                    inflateReset(&stream)
                case Z_BUF_ERROR where stream.avail_in == 0:
                    throw DatasetError.corrupt(path: path, reason: "gzip data ends early (truncated file)")
                default:
                    let message = stream.msg.map { String(cString: $0) } ?? "zlib code \(status)"
                    throw DatasetError.corrupt(path: path, reason: "gzip decoding failed: \(message)")
                }
            }
        }
        return output
    }
}
