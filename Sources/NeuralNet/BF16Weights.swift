// The bf16 copies of a network's heavy weights, made once from its ParameterSet when the network is
// switched to bf16 inference and kept with it until its parameters change. Layers look their weight
// up by parameter index: linear layers a [in, out] matrix (oneDNN matmul), convolutions a
// `BF16Convolution` (oneDNN's convolution primitive, bias included; see Conv2D) or, when asked for,
// 3×3 stride-1 ones their 16 Winograd-transformed matrices (`BF16WinogradMatrices`, Conv2D+BF16Winograd).
// Invariant: built only where `BF16.isSupported`; immutable once built.
import TensorCore

public final class BF16Weights: Sendable {
    let matrices: [ParameterSet.Index: BF16Matrix]
    let convolutions: [ParameterSet.Index: BF16Convolution]
    let winograd: [ParameterSet.Index: BF16WinogradMatrices]

    init(
        matrices: [ParameterSet.Index: BF16Matrix], convolutions: [ParameterSet.Index: BF16Convolution],
        winograd: [ParameterSet.Index: BF16WinogradMatrices]
    ) {
        (self.matrices, self.convolutions, self.winograd) = (matrices, convolutions, winograd)
    }

    /// Bytes held in memory, the per-shape layouts oneDNN made so far included (grows a little as
    /// new batch shapes are first used; the model cache counts it).
    public var residentBytes: Int {
        matrices.values.reduce(0) { $0 + $1.residentBytes } + convolutions.values.reduce(0) { $0 + $1.residentBytes }
            + winograd.values.reduce(0) { $0 + $1.residentBytes }
    }

    /// The bf16 copies of `layers`' weights, as `UNet.useBF16Inference` makes them, for running
    /// single convolutions in bf16 (tests, measurements). Precondition: `BF16.isSupported`.
    public static func convolutions(_ layers: [Conv2D], parameters: ParameterSet, winograd: Bool) throws -> BF16Weights {
        var builder = Builder(parameters: parameters, winogradConvolutions: winograd)
        for layer in layers { try builder.addConvolution(layer) }
        return builder.build()
    }

    /// Collects the matrices while a network walks its layers.
    struct Builder {
        let parameters: ParameterSet
        /// 3×3 stride-1 convolutions as bf16 Winograd (else oneDNN's direct convolution, like the others).
        let winogradConvolutions: Bool
        var matrices: [ParameterSet.Index: BF16Matrix] = [:]
        var convolutions: [ParameterSet.Index: BF16Convolution] = [:]
        var winograd: [ParameterSet.Index: BF16WinogradMatrices] = [:]

        init(parameters: ParameterSet, winogradConvolutions: Bool) {
            (self.parameters, self.winogradConvolutions) = (parameters, winogradConvolutions)
        }

        /// The weight `index`, stored [K, N] row-major.
        mutating func addMatrix(_ index: ParameterSet.Index, k: Int, n: Int) throws {
            guard matrices[index] == nil else { return }
            precondition(parameters[index].count == k * n, "\(parameters.names[index]) is not [\(k), \(n)]")
            matrices[index] = try parameters.withScalars(index) { w in
                guard let base = w.baseAddress else { throw Self.empty(parameters.names[index]) }
                return try BF16Matrix(base, ldb: n, k: k, n: n)
            }
        }

        /// The convolution `conv` (weight [k, k, Cin, Cout] and its bias).
        mutating func addConvolution(_ conv: Conv2D) throws {
            guard convolutions[conv.weight] == nil, winograd[conv.weight] == nil else { return }
            if winogradConvolutions && conv.usesWinograd {
                let (cin, cout) = (conv.inputChannels, conv.outputChannels)
                var transformed = [Float](repeating: 0, count: 16 * cin * cout)
                try parameters.withScalars(conv.weight) { w in
                    transformed.withUnsafeMutableBufferPointer { u in
                        guard let w = w.baseAddress, let u = u.baseAddress else { return }
                        Winograd.transformWeights(w, inputChannels: cin, outputChannels: cout, into: u)
                    }
                }
                winograd[conv.weight] = try BF16WinogradMatrices(
                    transformedWeights: transformed, inputChannels: cin, outputChannels: cout)
                return
            }
            convolutions[conv.weight] = try parameters.withScalars(conv.weight) { w in
                try parameters.withScalars(conv.bias) { b in
                    guard let weight = w.baseAddress, let bias = b.baseAddress else {
                        throw Self.empty(parameters.names[conv.weight] + " or its bias")
                    }
                    return try BF16Convolution(
                        weight: weight, bias: bias, inputChannels: conv.inputChannels,
                        outputChannels: conv.outputChannels, kernelSize: conv.kernelSize, stride: conv.stride,
                        padding: conv.padding)
                }
            }
        }

        /// A weight without elements (a damaged architecture): refused rather than dereferenced.
        static func empty(_ name: String) -> ParameterLoadingError {
            ParameterLoadingError(missing: [], unexpected: [], mismatched: ["\(name): no elements"])
        }

        func build() -> BF16Weights { BF16Weights(matrices: matrices, convolutions: convolutions, winograd: winograd) }
    }
}

extension Linear {
    func addBF16(to builder: inout BF16Weights.Builder) throws {
        try builder.addMatrix(weight, k: inputWidth, n: outputWidth)
    }
}

extension Conv2D {
    func addBF16(to builder: inout BF16Weights.Builder) throws {
        try builder.addConvolution(self)
    }
}
