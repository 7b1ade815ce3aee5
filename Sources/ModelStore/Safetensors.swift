import DiskIO
import Foundation
// The Hugging Face safetensors format: 8-byte little-endian header length N, N bytes of JSON
// `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}}`, then the data
// buffer. Decoding trusts nothing: every length, offset, shape and dtype is checked against the
// file before a byte is read, so a truncated or hostile file is an error, never a crash.
import Vocabulary

public enum Safetensors {
    /// Largest header accepted; the reference implementation uses the same 100 MB bound.
    public static let maximumHeaderBytes = 100_000_000

    /// Serialises `checkpoint` with values stored as `dtype`, in tensor order.
    public static func encode(_ checkpoint: Checkpoint, dtype: TensorDType = .f32) throws -> [UInt8] {
        try checkpoint.validate()
        var entries: [String] = []
        if !checkpoint.metadata.isEmpty {
            let members = checkpoint.metadata.keys.sorted().map {
                JSONValue.quoted($0) + ":" + JSONValue.quoted(checkpoint.metadata[$0] ?? "")
            }
            entries.append("\"__metadata__\":{" + members.joined(separator: ",") + "}")
        }
        var offset = 0
        for tensor in checkpoint.tensors {
            let end = offset + tensor.values.count * dtype.byteCount
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            entries.append(
                JSONValue.quoted(tensor.name)
                    + ":{\"dtype\":\"\(dtype.safetensorsName)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        var header = Array(("{" + entries.joined(separator: ",") + "}").utf8)
        // Pad with spaces so the buffer starts 8-byte aligned, as the Python writer does.
        while (header.count + 8) % 8 != 0 { header.append(0x20) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: header)
        for tensor in checkpoint.tensors {
            switch dtype {
            case .f32:
                for value in tensor.values {
                    withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
                }
            case .f16:
                for value in tensor.values {
                    withUnsafeBytes(of: HalfPrecision.bits(from: value).littleEndian) { bytes.append(contentsOf: $0) }
                }
            }
        }
        return bytes
    }

    /// Parses and validates safetensors bytes; `source` names the file in error messages.
    public static func decode(_ bytes: [UInt8], source: String = "<memory>") throws -> Checkpoint {
        let layout = try SafetensorsLayout(bytes: bytes, source: source)
        var tensors: [NamedTensor] = []
        tensors.reserveCapacity(layout.entries.count)
        bytes.withUnsafeBytes { raw in
            for entry in layout.entries {
                let start = layout.dataStart + entry.begin
                let count = (entry.end - entry.begin) / entry.dtype.byteCount
                var values = [Float](repeating: 0, count: count)
                switch entry.dtype {
                case .f32:
                    for i in 0..<count {
                        values[i] = Float(
                            bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: start + 4 * i, as: UInt32.self)))
                    }
                case .f16:
                    for i in 0..<count {
                        values[i] = HalfPrecision.float(
                            from: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: start + 2 * i, as: UInt16.self)))
                    }
                }
                tensors.append(NamedTensor(name: entry.name, shape: entry.shape, values: values))
            }
        }
        return Checkpoint(tensors: tensors, metadata: layout.metadata)
    }

    /// Reads and validates the safetensors file at `path`.
    public static func read(from path: String) throws -> Checkpoint {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelStoreError.notFound(path, reason: "the file does not exist or is not readable")
        }
        return try decode([UInt8](data), source: path)
    }

    /// Writes `checkpoint` to `path` atomically (temporary file, fsync, rename).
    public static func write(_ checkpoint: Checkpoint, to path: String, dtype: TensorDType = .f32) throws {
        let bytes = try encode(checkpoint, dtype: dtype)
        do {
            try AtomicFile.write(bytes, to: path)
        } catch {
            throw ModelStoreError.wrap(error, path: path)
        }
    }
}
