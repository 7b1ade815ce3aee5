// Test helper: a safetensors file holding both an F32 and an F16 tensor (kac itself writes one dtype
// per file), built from the project's own encoder so the Python interop check covers both dtypes.
import ModelStore
import Vocabulary

enum MixedWriter {
    static func encode(f32: Checkpoint, f16: Checkpoint) throws -> [UInt8] {
        precondition(f32.tensors.count == 1 && f16.tensors.count == 1, "one tensor of each dtype")
        let a = try Safetensors.encode(f32, dtype: .f32)
        let b = try Safetensors.encode(f16, dtype: .f16)
        let bufferA = Array(a[(8 + headerLength(a))...])
        let bufferB = Array(b[(8 + headerLength(b))...])
        let first = f32.tensors[0], second = f16.tensors[0]
        let end = bufferA.count + bufferB.count
        var entries = [
            "\"__metadata__\":{" + f32.metadata.map { JSONValue.quoted($0) + ":" + JSONValue.quoted($1) }.joined(separator: ",") + "}"
        ]
        entries.append("\"\(first.name)\":{\"dtype\":\"F32\",\"shape\":\(first.shape),\"data_offsets\":[0,\(bufferA.count)]}")
        entries.append("\"\(second.name)\":{\"dtype\":\"F16\",\"shape\":\(second.shape),\"data_offsets\":[\(bufferA.count),\(end)]}")
        return rawSafetensors(header: "{" + entries.joined(separator: ",") + "}", buffer: bufferA + bufferB)
    }

    private static func headerLength(_ bytes: [UInt8]) -> Int {
        (0..<8).reduce(0) { $0 | Int(bytes[$1]) << (8 * $1) }
    }
}
