// Streaming blob scan shared by load, verify and export: read the file in chunks, hash every
// byte, optionally decompress. Hashing continues after a decompression failure so a damaged blob
// is reported as a digest mismatch (the root cause) rather than as whatever zstd tripped over.
import Foundation
import Vocabulary

#if canImport(Glibc)
import Glibc
#endif

extension ModelStore {
    /// Checks that the file at `path` has `expectedSize` bytes (when given) and hashes to
    /// `expected`; with `sink`, also decompresses it as one zstd frame, feeding `sink`.
    func scanBlob(
        _ path: String, expected: Digest, expectedSize: Int?,
        sink: ((UnsafeRawBufferPointer) throws -> Void)? = nil
    ) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            let reason = errno == ENOENT ? "the file is missing" : String(cString: strerror(errno))
            throw ModelStoreError.corruptBlob(path: path, reason: reason)
        }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw ModelStoreError.io(path: path, cause: Reason(errno: errno)) }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw ModelStoreError.corruptBlob(path: path, reason: "it is not a regular file")
        }
        if let expectedSize, Int(status.st_size) != expectedSize {
            throw ModelStoreError.corruptBlob(
                path: path,
                reason: "it is \(status.st_size) bytes but the manifest says "
                    + "\(expectedSize) (truncated or overwritten)")
        }
        var hasher = DigestHasher()
        let decompressor = try sink.map { _ in try ZstdDecompressor() }
        var decompressionError: Error?
        var buffer = [UInt8](repeating: 0, count: max(ZstdDecompressor.inputChunkSize, 1 << 16))
        while true {
            let count = buffer.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return -1 }
                return Glibc.read(fd, base, raw.count)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw ModelStoreError.io(path: path, cause: Reason(errno: errno))
            }
            if count == 0 { break }
            buffer.withUnsafeBytes { raw in
                let chunk = UnsafeRawBufferPointer(rebasing: raw[0..<count])
                hasher.update(chunk)
                if let decompressor, let sink, decompressionError == nil {
                    do { try decompressor.decompress(chunk, sink: sink) } catch { decompressionError = error }
                }
            }
        }
        let digest = hasher.finalize()
        guard digest == expected else {
            throw ModelStoreError.corruptBlob(path: path, reason: "its sha256 is \(digest), not the expected \(expected)")
        }
        if let decompressionError {
            if let error = decompressionError as? ModelStoreError, case .corruptBlob = error { throw error }
            throw ModelStoreError.corruptBlob(path: path, reason: "it does not decompress: \(decompressionError)")
        }
        if let decompressor, !decompressor.finished {
            throw ModelStoreError.corruptBlob(path: path, reason: "its zstd frame is truncated")
        }
    }

    /// The raw (compressed) bytes of a blob after checking its digest and size.
    func readRawBlob(_ manifest: ModelManifest) throws -> [UInt8] {
        let path = blobPath(manifest.blob)
        guard let bytes = try StoreJSON.read(path, limit: manifest.compressedSize) else {
            throw ModelStoreError.corruptBlob(path: path, reason: "the file is missing")
        }
        guard bytes.count == manifest.compressedSize, Digest.sha256(of: bytes) == manifest.blob else {
            throw ModelStoreError.corruptBlob(path: path, reason: "its size or sha256 does not match the manifest")
        }
        return bytes
    }
}
