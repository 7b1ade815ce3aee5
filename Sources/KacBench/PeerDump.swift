// The Swift half of the PyTorch peer benchmark (bench/pytorch_peer.py, through `kac-bench peer-dump`).
// It builds the reference UNet (UNetConfiguration.fashionMNIST), gives EVERY parameter non-trivial
// values (a fresh network's last convs and attention projections are zero, which would hide half the
// architecture from a comparison) or loads a training checkpoint, and then
//   - with `output`, runs `velocity` on a seeded batch and writes weights (`model.<name>`), the
//     input (`peer.x` [N, H, W, C]), times, labels and the output (`peer.velocity`) as one
//     safetensors file, the configuration as JSON in the metadata;
//   - with `batches`, times forward (`velocity`) and, with `backward`, forward+backward
//     (`lossAndGradients`), printing one machine-readable `PEER ...` line per measurement.
// Dev-time only: nothing in CI or the daemon depends on it.
import Foundation
import Generation
import ModelStore
import NeuralNet
import TensorCore

public struct PeerDump {
    /// Write weights, input and output here (safetensors); nil: no dump.
    public var output: String?
    /// Images in the dumped reference batch (more than 16 exercises micro-batching).
    public var batch = 20
    /// Seed of the random weights and of the inputs.
    public var seed: UInt64 = 1
    /// Load weights from this training checkpoint instead of drawing random ones.
    public var checkpoint: String?
    /// Name prefix of the weights inside `checkpoint` (model. or ema.).
    public var prefix = "model."
    /// Batch sizes to time (none: no timing).
    public var batches: [Int] = []
    /// Timed repetitions per measurement, after one warm-up (the best is printed).
    public var repetitions = 3
    /// Also time forward+backward (lossAndGradients, MSE loss).
    public var backward = false
    /// Time the forward pass in bf16 (needs AVX512_BF16; the dump stays fp32).
    public var bf16 = false

    public init() {}

    /// Dumps and/or times as set, handing each `PEER ...` line to `say`.
    public func run(_ say: (String) -> Void) throws {
        AllocatorTuning.retainLargeBlocks()
        let configuration = UNetConfiguration.fashionMNIST
        var random = RandomSource(seed: seed)
        let network = UNet(configuration: configuration, random: &random)
        if let checkpoint {
            var parameters = network.parameters
            try parameters.load(from: try Safetensors.read(from: checkpoint), prefix: prefix)
            network.parameters = parameters
        } else {
            network.parameters = Self.randomised(network.parameters, random: &random)
        }

        if let output {
            let (x, times, labels, _) = Self.inputs(batch: batch, seed: seed &+ 1, configuration: configuration)
            let velocity = network.velocity(x, times: times, labels: labels)
            var tensors = network.parameters.entries.map {
                NamedTensor(name: "model." + $0.name, shape: $0.tensor.shape, values: $0.tensor.scalars)
            }
            tensors += [
                NamedTensor(name: "peer.x", shape: x.shape, values: x.scalars),
                NamedTensor(name: "peer.times", shape: [batch], values: times),
                NamedTensor(name: "peer.labels", shape: [batch], values: labels.map(Float.init)),
                NamedTensor(name: "peer.velocity", shape: velocity.shape, values: velocity.scalars),
            ]
            let json = String(decoding: try JSONEncoder().encode(configuration), as: UTF8.self)
            try Safetensors.write(
                Checkpoint(
                    tensors: tensors,
                    metadata: [
                        "unet.configuration": json, "unet.microBatchSize": String(network.microBatchSize),
                        "openblas.core": BLAS.coreName,
                    ]), to: output)
            say("PEER dump path=\(output) batch=\(batch) parameters=\(network.parameters.scalarCount)")
        }

        if batches.isEmpty { return }
        if bf16 {
            guard BF16.isSupported else { throw BenchError.invalidSetting("--bf16: this CPU lacks AVX512_BF16") }
            try network.useBF16Inference()
        }
        say(
            "PEER info core=\(BLAS.coreName) blas_threads=\(BLAS.threadCount) micro_batch=\(network.microBatchSize) precision=\(bf16 ? "bf16" : "fp32")")
        for batch in batches {
            let (x, times, labels, target) = Self.inputs(batch: batch, seed: seed &+ 2, configuration: configuration)
            let forward = best { _ = network.velocity(x, times: times, labels: labels) }
            say(
                String(
                    format: "PEER time side=swift pass=fwd batch=%d seconds=%.6f images_per_s=%.3f",
                    batch, forward, Double(batch) / forward))
            if backward {
                let training = best { _ = network.lossAndGradients(x, times: times, labels: labels, target: target) }
                say(
                    String(
                        format: "PEER time side=swift pass=fwdbwd batch=%d seconds=%.6f images_per_s=%.3f",
                        batch, training, Double(batch) / training))
            }
        }
    }

    /// Every tensor redrawn: conv/linear weights uniform ±1/√fanIn (fanIn = all axes but the last,
    /// as stored [k, k, Cin, Cout] / [in, out]), biases uniform ±0.1, GroupNorm scales 1 ± 0.2 and
    /// shifts ±0.2, the label table N(0, 1) (its initial distribution). Zero-initialised layers included.
    static func randomised(_ parameters: ParameterSet, random: inout RandomSource) -> ParameterSet {
        var result = parameters
        for (index, name) in parameters.names.enumerated() {
            let shape = parameters.tensors[index].shape
            let count = shape.reduce(1, *)
            // Uniform on centre ± half, or N(0, 1) for the label table.
            var (centre, half, normal): (Float, Float, Bool) = (0, 0.1, false)
            if name.hasPrefix("label.") {
                normal = true
            } else if shape.count >= 2 {
                half = 1 / Float(shape.dropLast().reduce(1, *)).squareRoot()
            } else if name.contains("norm") {
                (centre, half) = (name.hasSuffix(".weight") ? 1 : 0, 0.2)
            }
            var scalars = [Float](repeating: 0, count: count)
            for i in scalars.indices {
                scalars[i] = normal ? Float(random.normal()) : centre + half * Float(2 * random.uniform() - 1)
            }
            result.tensors[index] = Tensor(shape: shape, scalars: scalars)
        }
        return result
    }

    static func inputs(batch: Int, seed: UInt64, configuration c: UNetConfiguration) -> (Tensor, [Float], [Int], Tensor) {
        BenchInputs.draw(batch: batch, seed: seed, configuration: c)
    }

    /// Best wall-clock seconds of `repetitions` runs after one warm-up run.
    func best(_ body: () -> Void) -> Double {
        body()
        var fastest = Double.infinity
        for _ in 0..<max(repetitions, 1) {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            fastest = min(fastest, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return fastest
    }
}
