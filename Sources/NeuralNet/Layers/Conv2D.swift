// 2-D convolution over NHWC images as im2col + one GEMM per chunk of images. Weights are
// [k, k, Cin, Cout], i.e. a [k·k·Cin, Cout] matrix. Columns are recomputed in backward rather than
// kept, so scratch memory is one chunk (bounded by `columnBudget`) whatever the batch size.
// Invariant: a 1×1, stride-1, unpadded convolution skips im2col and multiplies the input directly.
import TensorCore

public struct Conv2D: Sendable {
    public let inputChannels: Int, outputChannels: Int
    public let kernelSize: Int, stride: Int, padding: Int
    /// [k, k, Cin, Cout]
    public let weight: ParameterSet.Index
    /// [Cout]
    public let bias: ParameterSet.Index

    /// Scratch scalars per im2col chunk: ~16 MB, big enough that each GEMM has thousands of rows.
    static let columnBudget = 1 << 22

    /// Registers `name.weight` and `name.bias`, drawn like PyTorch's default (uniform ±1/√fanIn),
    /// or zero when `zeroInitialized` (the last conv of residual blocks and of the network).
    public init(name: String, inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1,
                padding: Int = 0, zeroInitialized: Bool = false,
                parameters: inout ParameterSet, random: inout RandomSource) {
        precondition(inputChannels > 0 && outputChannels > 0 && kernelSize > 0 && stride > 0 && padding >= 0,
                     "Conv2D \(name): invalid geometry")
        (self.inputChannels, self.outputChannels) = (inputChannels, outputChannels)
        (self.kernelSize, self.stride, self.padding) = (kernelSize, stride, padding)
        let fanIn = kernelSize * kernelSize * inputChannels
        let bound = zeroInitialized ? 0 : 1 / Float(fanIn).squareRoot()
        weight = parameters.append(name + ".weight", uniformTensor([kernelSize, kernelSize, inputChannels, outputChannels],
                                                                   bound: bound, random: &random))
        bias = parameters.append(name + ".bias", uniformTensor([outputChannels], bound: bound, random: &random))
    }

    public struct Cache: Sendable {
        /// [N, H, W, Cin]
        public let input: Tensor
    }

    func geometry(_ input: Tensor) -> ConvolutionGeometry {
        ConvolutionGeometry(height: input.shape[1], width: input.shape[2], channels: inputChannels,
                            kernelSize: kernelSize, stride: stride, padding: padding)
    }

    var isPointwise: Bool { kernelSize == 1 && stride == 1 && padding == 0 }

    /// input [N, H, W, Cin] → output [N, Ho, Wo, Cout].
    public func forward(_ input: Tensor, parameters: ParameterSet, workspace: Workspace) -> (output: Tensor, cache: Cache) {
        precondition(input.rank == 4 && input.shape[3] == inputChannels,
                     "Conv2D: input \(input.shape) does not match [N, H, W, \(inputChannels)]")
        let g = geometry(input)
        let batch = input.shape[0]
        /// [N, Ho, Wo, Cout]
        var output = Tensor.uninitialized([batch, g.outputHeight, g.outputWidth, outputChannels])
        let (rowsPerImage, kw, cout) = (g.rowsPerImage, g.columnWidth, outputChannels)
        parameters.withScalars(weight) { w in
            parameters.withScalars(bias) { b in
                input.scalars.withUnsafeBufferPointer { x in
                    output.scalars.withUnsafeMutableBufferPointer { y in
                        guard let x = x.baseAddress, let y = y.baseAddress, let w = w.baseAddress,
                              let b = b.baseAddress else { return }
                        let chunk = isPointwise ? batch : imagesPerChunk(g, batch: batch)
                        let columns = isPointwise ? nil : workspace.buffer(chunk * rowsPerImage * kw)
                        for first in Swift.stride(from: 0, to: batch, by: chunk) {
                            let images = min(chunk, batch - first)
                            let rows = images * rowsPerImage
                            var a = x + first * rowsPerImage * kw
                            if let columns {
                                im2col(x + first * g.height * g.width * inputChannels, images: images, geometry: g, columns: columns)
                                a = UnsafePointer(columns)
                            }
                            let c = y + first * rowsPerImage * cout
                            BLAS.sgemm(transposeA: false, transposeB: false, m: rows, n: cout, k: kw,
                                       a: a, lda: kw, b: w, ldb: cout, beta: 0, c: c, ldc: cout)
                            addRowVector(b, to: c, rows: rows, columns: cout)
                        }
                    }
                }
            }
        }
        return (output, Cache(input: input))
    }

    /// Accumulates dWeight and dBias; returns dInput [N, H, W, Cin].
    public func backward(_ dOutput: Tensor, cache: Cache, parameters: ParameterSet, gradients: inout ParameterSet,
                         workspace: Workspace) -> Tensor {
        /// [N, H, W, Cin]
        var dInput = Tensor.uninitialized(cache.input.shape)
        dInput.scalars.withUnsafeMutableBufferPointer { dx in
            backward(dOutput, cache: cache, parameters: parameters, gradients: &gradients, workspace: workspace,
                     dInput: dx.baseAddress)
        }
        return dInput
    }

    /// Accumulates dWeight and dBias only (for the first layer, whose input is the data).
    public func accumulateGradients(_ dOutput: Tensor, cache: Cache, parameters: ParameterSet,
                                    gradients: inout ParameterSet, workspace: Workspace) {
        backward(dOutput, cache: cache, parameters: parameters, gradients: &gradients, workspace: workspace, dInput: nil)
    }

    private func backward(_ dOutput: Tensor, cache: Cache, parameters: ParameterSet, gradients: inout ParameterSet,
                          workspace: Workspace, dInput dx: UnsafeMutablePointer<Float>?) {
        let input = cache.input
        let g = geometry(input)
        let batch = input.shape[0]
        precondition(dOutput.shape == [batch, g.outputHeight, g.outputWidth, outputChannels],
                     "Conv2D: dOutput \(dOutput.shape) does not match the forward output of input \(input.shape)")
        let (rowsPerImage, kw, cout) = (g.rowsPerImage, g.columnWidth, outputChannels)
        let inputPerImage = g.height * g.width * inputChannels
        gradients.withMutableScalars(bias) { db in
            dOutput.scalars.withUnsafeBufferPointer { dy in
                guard let db = db.baseAddress, let dy = dy.baseAddress else { return }
                accumulateColumnSums(dy, rows: batch * rowsPerImage, columns: cout, into: db)
            }
        }
        parameters.withScalars(weight) { w in
            gradients.withMutableScalars(weight) { dw in
                input.scalars.withUnsafeBufferPointer { x in
                    dOutput.scalars.withUnsafeBufferPointer { dy in
                        guard let w = w.baseAddress, let dw = dw.baseAddress, let x = x.baseAddress,
                              let dy = dy.baseAddress else { return }
                        let chunk = isPointwise ? batch : imagesPerChunk(g, batch: batch)
                        let columns = workspace.buffer(isPointwise ? 1 : chunk * rowsPerImage * kw)
                        for first in Swift.stride(from: 0, to: batch, by: chunk) {
                            let images = min(chunk, batch - first)
                            let rows = images * rowsPerImage
                            let dyChunk = dy + first * rowsPerImage * cout
                            var a = x + first * inputPerImage
                            if !isPointwise {
                                im2col(a, images: images, geometry: g, columns: columns)
                                a = UnsafePointer(columns)
                            }
                            // dW[K, Cout] += colsᵀ · dY
                            BLAS.sgemm(transposeA: true, transposeB: false, m: kw, n: cout, k: rows,
                                       a: a, lda: kw, b: dyChunk, ldb: cout, beta: 1, c: dw, ldc: cout)
                            guard let dx else { continue }
                            let dxChunk = dx + first * inputPerImage
                            // dCols[rows, K] = dY · Wᵀ, straight into dInput when there is no im2col.
                            let target = isPointwise ? dxChunk : columns
                            BLAS.sgemm(transposeA: false, transposeB: true, m: rows, n: kw, k: cout,
                                       a: dyChunk, lda: cout, b: w, ldb: cout, beta: 0, c: target, ldc: kw)
                            if !isPointwise { col2im(columns, images: images, geometry: g, output: dxChunk) }
                        }
                    }
                }
            }
        }
    }

    private func imagesPerChunk(_ g: ConvolutionGeometry, batch: Int) -> Int {
        max(1, min(batch, Conv2D.columnBudget / max(1, g.rowsPerImage * g.columnWidth)))
    }

    /// Multiply–accumulates of one forward pass for `batch` images of `height`×`width`.
    public func multiplyAccumulates(height: Int, width: Int) -> Int {
        let g = ConvolutionGeometry(height: height, width: width, channels: inputChannels,
                                    kernelSize: kernelSize, stride: stride, padding: padding)
        return g.rowsPerImage * g.columnWidth * outputChannels
    }
}
