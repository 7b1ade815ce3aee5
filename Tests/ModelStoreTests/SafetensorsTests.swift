// Safetensors: round trips, the Python-written fixture, hostile headers (each with its message),
// and a fuzz test that flips bytes and truncates a valid file: errors are fine, crashes are not.
import Foundation
import ModelStore
import TestSupport
import Testing

func sampleCheckpoint(parameters: Int = 24, seed: UInt64 = 1) -> Checkpoint {
    var random = SplitMix64(state: seed)
    let first = parameters / 2
    let weight = (0..<first).map { _ in Float.random(in: -1...1, using: &random) }
    let bias = (0..<(parameters - first)).map { _ in Float.random(in: -1...1, using: &random) }
    return Checkpoint(
        tensors: [
            NamedTensor(name: "layer.weight", shape: [first], values: weight),
            NamedTensor(name: "layer.bias", shape: [parameters - first], values: bias),
            NamedTensor(name: "scale", shape: [], values: [2]),
        ], metadata: ["kac.kind": "teacher"])
}

/// A safetensors file with the given raw header text and buffer.
func rawSafetensors(header: String, buffer: [UInt8] = []) -> [UInt8] {
    var bytes: [UInt8] = []
    withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { bytes.append(contentsOf: $0) }
    return bytes + Array(header.utf8) + buffer
}

func errorText(_ body: () throws -> Void) -> String {
    do { try body() } catch { return String(describing: error) }
    return "no error"
}

@Suite struct SafetensorsTests {
    @Test func roundTripsF32Exactly() throws {
        let checkpoint = sampleCheckpoint()
        let bytes = try Safetensors.encode(checkpoint)
        #expect(try Safetensors.decode(bytes) == checkpoint)
        let headerLength = Int(bytes[0]) | Int(bytes[1]) << 8
        #expect((8 + headerLength) % 8 == 0, "buffer must start 8-byte aligned like the Python writer's")
    }

    @Test func roundTripsF16ToNearestHalf() throws {
        let checkpoint = sampleCheckpoint()
        let decoded = try Safetensors.decode(try Safetensors.encode(checkpoint, dtype: .f16))
        #expect(decoded.tensors.map(\.name) == checkpoint.tensors.map(\.name))
        for (got, want) in zip(decoded.tensors, checkpoint.tensors) {
            #expect(got.shape == want.shape)
            #expect(got.values == want.values.map { Float(Float16($0)) })
        }
    }

    @Test func readsFileWrittenByPythonSafetensors() throws {
        let checkpoint = try Safetensors.decode(pythonFixtureBytes)
        #expect(checkpoint.metadata == ["format": "pt", "kac.fixture": "v1"])
        #expect(
            checkpoint["conv.weight"]
                == NamedTensor(
                    name: "conv.weight", shape: [2, 3],
                    values: (0..<6).map { Float($0) * 0.25 - 0.5 }))
        #expect(checkpoint["bias"] == NamedTensor(name: "bias", shape: [3], values: [1, -2.5, 65504]))
        #expect(checkpoint["scale"] == NamedTensor(name: "scale", shape: [], values: [3]))
        #expect(checkpoint["empty"] == NamedTensor(name: "empty", shape: [0, 4], values: []))
    }

    /// Writes the file `tools/safetensors/check_kac_file.py` checks; set KAC_INTEROP_OUT to keep it.
    @Test func writesFileForPythonInterop() throws {
        let checkpoint = Checkpoint(
            tensors: [
                NamedTensor(name: "layer.weight", shape: [2, 2], values: [1, -2, 0.5, 3e-8])
            ], metadata: ["kac.kind": "teacher"])
        let half = Checkpoint(tensors: [NamedTensor(name: "layer.bias", shape: [2], values: [0.1, -65504])])
        // Mixed dtypes: splice the F16 tensor in by hand from two encodings to exercise both paths.
        let directory = TemporaryDirectory()
        let path = ProcessInfo.processInfo.environment["KAC_INTEROP_OUT"] ?? directory.file("kac.safetensors")
        let mixed = try MixedWriter.encode(f32: checkpoint, f16: half)
        try Data(mixed).write(to: URL(fileURLWithPath: path))
        let back = try Safetensors.read(from: path)
        #expect(back["layer.weight"]?.values == [1, -2, 0.5, 3e-8])
        #expect(back["layer.bias"]?.values == [Float(Float16(0.1)), -65504])
    }

    @Test(
        arguments: [
            ("{}", [UInt8](), "ok"),
            ("[1,2]", [], "not a JSON object"),
            ("{\"a\":", [], "not valid JSON"),
            ("{\"\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", [0, 0, 0, 0], "empty name"),
            ("{\"a\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", [UInt8](repeating: 0, count: 8), "dtype I64"),
            ("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", [0, 0, 0, 0], "spans 4 bytes"),
            ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,8]}}", [0, 0, 0, 0], "outside"),
            ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}", [0, 0, 0, 0], "outside"),
            (
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[2,6]}}",
                [UInt8](repeating: 0, count: 8), "overlaps"
            ),
            ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", [UInt8](repeating: 0, count: 8), "belong to no tensor"),
            ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", [UInt8](repeating: 0, count: 8), "buffer holds 8"),
            ("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,0]}}", [], "invalid dimension"),
            ("{\"a\":{\"dtype\":\"F32\",\"shape\":[2147483647,2147483647,2147483647],\"data_offsets\":[0,0]}}", [], "more values"),
            ("{\"__metadata__\":{\"k\":1}}", [], "is not a string"),
        ] as [(String, [UInt8], String)])
    func rejectsHostileHeaders(header: String, buffer: [UInt8], expected: String) {
        let text = errorText { _ = try Safetensors.decode(rawSafetensors(header: header, buffer: buffer)) }
        if expected == "ok" { #expect(text == "no error") } else { #expect(text.contains(expected), "\(text)") }
    }

    @Test func rejectsBadHeaderLengths() {
        #expect(errorText { _ = try Safetensors.decode([1, 2, 3]) }.contains("shorter than the 8-byte"))
        var huge: [UInt8] = []
        withUnsafeBytes(of: UInt64(200_000_000).littleEndian) { huge.append(contentsOf: $0) }
        #expect(errorText { _ = try Safetensors.decode(huge + [0x7b, 0x7d]) }.contains("exceeds the 100000000-byte limit"))
        var past: [UInt8] = []
        withUnsafeBytes(of: UInt64(50).littleEndian) { past.append(contentsOf: $0) }
        #expect(errorText { _ = try Safetensors.decode(past + [0x7b, 0x7d]) }.contains("runs past the end"))
    }

    @Test func rejectsDuplicateAndReservedNamesOnWrite() {
        let one = NamedTensor(name: "w", shape: [1], values: [1])
        #expect(errorText { _ = try Safetensors.encode(Checkpoint(tensors: [one, one])) }.contains("appears twice"))
        let reserved = NamedTensor(name: "__metadata__", shape: [1], values: [1])
        #expect(errorText { _ = try Safetensors.encode(Checkpoint(tensors: [reserved])) }.contains("reserved"))
    }

    /// Random byte flips and truncations of a valid file: decoding may fail but must never trap.
    @Test func fuzzedFilesNeverCrash() throws {
        let valid = try Safetensors.encode(sampleCheckpoint(parameters: 10))
        var random = SplitMix64(state: 42)
        var failures = 0
        for round in 0..<3000 {
            var bytes = valid
            if round % 3 == 0 {
                bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &random)))
            } else {
                for _ in 0..<Int.random(in: 1...4, using: &random) {
                    bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
                }
            }
            do { _ = try Safetensors.decode(bytes) } catch { failures += 1 }
        }
        // Truncations alone are a third of the rounds and every one of them must be refused.
        #expect(failures >= 1000)
    }
}
