// The bf16 copies of a network's GEMM weights, made once from its ParameterSet when the network is
// switched to bf16 inference and kept with it until its parameters change. Layers look their weight
// up by parameter index: a [K, N] matrix — [in, out] for linear layers, [k·k·Cin, Cout] for every
// convolution (3×3 ones included: in bf16 they run as im2col, see Conv2D).
// Invariant: built only where `BF16.isSupported`; immutable once built.
import TensorCore

public final class BF16Weights: Sendable {
    let matrices: [ParameterSet.Index: BF16Matrix]

    init(matrices: [ParameterSet.Index: BF16Matrix]) { self.matrices = matrices }

    /// bf16 scalars held (each matrix once; the per-shape layouts oneDNN derives are not counted).
    public var scalarCount: Int {
        matrices.values.reduce(0) { $0 + $1.rows * $1.columns }
    }

    /// Collects the matrices while a network walks its layers.
    struct Builder {
        let parameters: ParameterSet
        var matrices: [ParameterSet.Index: BF16Matrix] = [:]

        /// The weight `index`, stored [K, N] row-major.
        mutating func addMatrix(_ index: ParameterSet.Index, k: Int, n: Int) throws {
            guard matrices[index] == nil else { return }
            precondition(parameters[index].count == k * n, "\(parameters.names[index]) is not [\(k), \(n)]")
            matrices[index] = try parameters.withScalars(index) { w in try BF16Matrix(w.baseAddress!, ldb: n, k: k, n: n) }
        }

        func build() -> BF16Weights { BF16Weights(matrices: matrices) }
    }
}

extension Linear {
    func addBF16(to builder: inout BF16Weights.Builder) throws {
        try builder.addMatrix(weight, k: inputWidth, n: outputWidth)
    }
}

extension Conv2D {
    func addBF16(to builder: inout BF16Weights.Builder) throws {
        try builder.addMatrix(weight, k: kernelSize * kernelSize * inputChannels, n: outputChannels)
    }
}
