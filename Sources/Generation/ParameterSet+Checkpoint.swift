// Conversions between the engine's ParameterSet and the store's named tensors (safetensors keys).
// A prefix namespaces several sets in one file (`model.`, `ema.`, `adam.m.`, `adam.v.`).
import ModelStore
import NeuralNet
import TensorCore

extension ParameterSet {
    /// The set as named tensors, each name prefixed.
    public func namedTensors(prefix: String = "") -> [NamedTensor] {
        entries.map { NamedTensor(name: prefix + $0.name, shape: $0.tensor.shape, values: $0.tensor.scalars) }
    }

    /// Replaces every tensor with the checkpoint's tensor `prefix + name`; all-or-nothing.
    public mutating func load(from checkpoint: Checkpoint, prefix: String = "") throws(ParameterLoadingError) {
        var values: [String: [Float]] = [:]
        for tensor in checkpoint.tensors where tensor.name.hasPrefix(prefix) {
            values[String(tensor.name.dropFirst(prefix.count))] = tensor.values
        }
        try assign(from: values)
    }
}
