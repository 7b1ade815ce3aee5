// The bf16 copies of a network's GEMM weights, made once from its ParameterSet when the network is
// switched to bf16 inference and kept with it until its parameters change. Layers look their weight
// up by parameter index: a [K, N] matrix (linear layers, im2col and 1×1 convolutions) or, for the
// Winograd convolutions, the 16 transformed matrices U_e [Cin, Cout] (transformed in fp32, then
// rounded). Invariant: built only where `BF16.isSupported`; immutable once built.
import TensorCore

public final class BF16Weights: Sendable {
    let matrices: [ParameterSet.Index: BF16Matrix]
    let winograd: [ParameterSet.Index: [BF16Matrix]]

    init(matrices: [ParameterSet.Index: BF16Matrix], winograd: [ParameterSet.Index: [BF16Matrix]]) {
        (self.matrices, self.winograd) = (matrices, winograd)
    }

    /// bf16 scalars held (each matrix once; the per-shape layouts oneDNN derives are not counted).
    public var scalarCount: Int {
        matrices.values.reduce(0) { $0 + $1.rows * $1.columns }
            + winograd.values.reduce(0) { $0 + $1.reduce(0) { $0 + $1.rows * $1.columns } }
    }

    /// Collects the matrices while a network walks its layers.
    struct Builder {
        let parameters: ParameterSet
        var matrices: [ParameterSet.Index: BF16Matrix] = [:]
        var winograd: [ParameterSet.Index: [BF16Matrix]] = [:]

        /// The weight `index`, stored [K, N] row-major.
        mutating func addMatrix(_ index: ParameterSet.Index, k: Int, n: Int) throws {
            guard matrices[index] == nil else { return }
            precondition(parameters[index].count == k * n, "\(parameters.names[index]) is not [\(k), \(n)]")
            matrices[index] = try parameters.withScalars(index) { w in try BF16Matrix(w.baseAddress!, ldb: n, k: k, n: n) }
        }

        /// The 3×3 kernel `index` [3, 3, Cin, Cout] as its 16 Winograd matrices.
        mutating func addWinograd(_ index: ParameterSet.Index, inputChannels cin: Int, outputChannels cout: Int) throws {
            guard winograd[index] == nil else { return }
            var u = [Float](repeating: 0, count: 16 * cin * cout)
            parameters.withScalars(index) { w in
                u.withUnsafeMutableBufferPointer { u in
                    guard let w = w.baseAddress, let u = u.baseAddress else { return }
                    Winograd.transformWeights(w, inputChannels: cin, outputChannels: cout, into: u)
                }
            }
            winograd[index] = try u.withUnsafeBufferPointer { u in
                try (0..<16).map { entry in try BF16Matrix(u.baseAddress! + entry * cin * cout, ldb: cout, k: cin, n: cout) }
            }
        }

        func build() -> BF16Weights { BF16Weights(matrices: matrices, winograd: winograd) }
    }
}

extension Linear {
    func addBF16(to builder: inout BF16Weights.Builder) throws {
        try builder.addMatrix(weight, k: inputWidth, n: outputWidth)
    }
}

extension Conv2D {
    func addBF16(to builder: inout BF16Weights.Builder) throws {
        if usesWinograd {
            try builder.addWinograd(weight, inputChannels: inputChannels, outputChannels: outputChannels)
        } else {
            try builder.addMatrix(weight, k: kernelSize * kernelSize * inputChannels, n: outputChannels)
        }
    }
}
