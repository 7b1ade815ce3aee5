import Foundation
// Validation of a safetensors header against the bytes that follow it. After `init` succeeds,
// every entry's byte range lies inside the buffer, matches shape × dtype size, and the ranges
// tile the buffer exactly (no overlaps, no holes, as the format's reference implementation demands).
import Vocabulary

struct SafetensorsLayout {
    struct Entry {
        let name: String
        let dtype: TensorDType
        let shape: [Int]
        let begin: Int
        let end: Int
    }

    /// Entries sorted by `begin`.
    let entries: [Entry]
    let metadata: [String: String]
    /// Offset of the data buffer in the file.
    let dataStart: Int

    init(bytes: [UInt8], source: String) throws {
        func fail(_ reason: String) -> ModelStoreError { .invalidSafetensors(path: source, reason: reason) }
        guard bytes.count >= 8 else {
            throw fail("the file is \(bytes.count) bytes long, shorter than the 8-byte header length (truncated?)")
        }
        var declared: UInt64 = 0
        for i in 0..<8 { declared |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard declared <= UInt64(Safetensors.maximumHeaderBytes) else {
            throw fail("header length \(declared) exceeds the \(Safetensors.maximumHeaderBytes)-byte limit")
        }
        let headerLength = Int(declared)
        guard 8 + headerLength <= bytes.count else {
            throw fail("header length \(headerLength) runs past the end of the \(bytes.count)-byte file (truncated?)")
        }
        let header: JSONValue
        do {
            header = try JSONDecoder().decode(JSONValue.self, from: Data(bytes[8..<(8 + headerLength)]))
        } catch {
            throw fail("the header is not valid JSON")
        }
        guard let members = header.objectValue else { throw fail("the header is not a JSON object") }
        dataStart = 8 + headerLength
        let bufferSize = bytes.count - dataStart

        var metadata: [String: String] = [:]
        var entries: [Entry] = []
        for (name, value) in members {
            if name == "__metadata__" {
                guard let object = value.objectValue else { throw fail("__metadata__ is not an object") }
                for (key, item) in object {
                    guard let text = item.stringValue else { throw fail("__metadata__[\(key)] is not a string") }
                    metadata[key] = text
                }
                continue
            }
            entries.append(try Self.entry(name: name, value: value, bufferSize: bufferSize, fail: fail))
        }
        entries.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        var covered = 0
        for entry in entries {
            if entry.begin < covered { throw fail("tensor \"\(entry.name)\" overlaps the tensor before it") }
            if entry.begin > covered {
                throw fail("bytes \(covered)..<\(entry.begin) of the buffer belong to no tensor")
            }
            covered = entry.end
        }
        guard covered == bufferSize else {
            throw fail("tensors cover \(covered) bytes but the buffer holds \(bufferSize) (truncated or padded file)")
        }
        self.entries = entries
        self.metadata = metadata
    }

    private static func entry(
        name: String, value: JSONValue, bufferSize: Int,
        fail: (String) -> ModelStoreError
    ) throws -> Entry {
        guard !name.isEmpty else { throw fail("a tensor has an empty name") }
        guard let object = value.objectValue else { throw fail("entry \"\(name)\" is not an object") }
        guard let dtypeName = object["dtype"]?.stringValue else { throw fail("tensor \"\(name)\" has no dtype string") }
        guard let dtype = TensorDType(safetensorsName: dtypeName) else {
            throw fail("tensor \"\(name)\" has dtype \(dtypeName); kac reads only F32 and F16")
        }
        guard let shapeValues = object["shape"]?.arrayValue else { throw fail("tensor \"\(name)\" has no shape array") }
        var shape: [Int] = []
        var elements = 1
        for dimension in shapeValues {
            guard let size = dimension.integerValue, size >= 0, size <= Int64(Int32.max) else {
                throw fail("tensor \"\(name)\" has an invalid dimension \(dimension) in its shape")
            }
            let (product, overflow) = elements.multipliedReportingOverflow(by: Int(size))
            guard !overflow, product <= bufferSize else {
                throw fail("tensor \"\(name)\" shape \(shapeValues) holds more values than the file can contain")
            }
            elements = product
            shape.append(Int(size))
        }
        guard let offsets = object["data_offsets"]?.arrayValue, offsets.count == 2,
            let begin = offsets[0].integerValue, let end = offsets[1].integerValue
        else {
            throw fail("tensor \"\(name)\" needs data_offsets [begin, end] as two integers")
        }
        guard begin >= 0, begin <= end, end <= Int64(bufferSize) else {
            throw fail("tensor \"\(name)\" data_offsets [\(begin), \(end)] lie outside the \(bufferSize)-byte buffer")
        }
        guard Int(end - begin) == elements * dtype.byteCount else {
            throw fail(
                "tensor \"\(name)\" spans \(end - begin) bytes but shape \(shape) of \(dtypeName) needs \(elements * dtype.byteCount)")
        }
        return Entry(name: name, dtype: dtype, shape: shape, begin: Int(begin), end: Int(end))
    }
}
