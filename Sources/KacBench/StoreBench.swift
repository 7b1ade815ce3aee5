// `kac-bench zoo`: compression ratio and load time (decompress + verify + decode) for random-normal
// weights in each dtype, in a throw-away store. A measurement, not a test: nothing is asserted.
import Foundation
import ModelStore
import Vocabulary

public struct StoreBench {
    /// Number of parameters (split over four tensors).
    public var parameters = 1 << 20
    /// Loads per dtype; the median is reported.
    public var repeats = 5
    /// zstd compression level.
    public var level: Int32 = 3

    public init() {}

    public struct Row: Encodable, Sendable {
        public var dtype: String
        public var parameters: Int
        public var safetensorsBytes: Int
        public var blobBytes: Int
        /// Blob size over the f32 safetensors size (what a plain fp32 checkpoint would take).
        public var ratioToF32: Double
        public var zstdRatio: Double
        public var publishSeconds: Double
        public var loadSeconds: Double
    }

    /// Publishes the same random weights once per dtype into a throw-away store and loads each
    /// `repeats` times; one row per dtype.
    public func measure() throws -> [Row] {
        let directory = NSTemporaryDirectory() + "/kac-zoo-bench-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try ModelStore(root: directory, configuration: ModelStore.Configuration(compressionLevel: level))
        let checkpoint = Self.randomCheckpoint(parameters: parameters)
        let f32Bytes = try Safetensors.encode(checkpoint, dtype: .f32).count
        var rows: [Row] = []
        for dtype in TensorDType.allCases {
            let name = try ModelName("bench/\(dtype.rawValue)")
            let start = Date()
            let manifest = try store.publish(checkpoint, as: name, details: ModelDetails(kind: .teacher), dtype: dtype)
            let publishSeconds = Date().timeIntervalSince(start)
            var times: [Double] = []
            for _ in 0..<max(repeats, 1) {
                let begin = Date()
                _ = try store.load(.version(name, manifest.version))
                times.append(Date().timeIntervalSince(begin))
            }
            rows.append(
                Row(
                    dtype: dtype.rawValue, parameters: checkpoint.parameterCount, safetensorsBytes: manifest.uncompressedSize,
                    blobBytes: manifest.compressedSize, ratioToF32: Double(manifest.compressedSize) / Double(f32Bytes),
                    zstdRatio: Double(manifest.compressedSize) / Double(manifest.uncompressedSize),
                    publishSeconds: publishSeconds, loadSeconds: times.sorted()[times.count / 2]))
        }
        return rows
    }

    /// Weights like a freshly initialised network: N(0, 0.05²) via Box–Muller from a fixed seed.
    static func randomCheckpoint(parameters: Int) -> Checkpoint {
        var state: UInt64 = 0x5EED
        func uniform() -> Double {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return (Double((z ^ (z >> 31)) >> 11) + 0.5) / 9_007_199_254_740_992
        }
        let quarter = parameters / 4
        let sizes = [quarter, quarter, quarter, parameters - 3 * quarter]
        let tensors = sizes.enumerated().map { index, count in
            NamedTensor(
                name: "block\(index).weight", shape: [count],
                values: (0..<count).map { _ in
                    Float(0.05 * (-2 * log(uniform())).squareRoot() * cos(2 * Double.pi * uniform()))
                })
        }
        return Checkpoint(tensors: tensors, metadata: ["kac.bench": "random-normal"])
    }
}
