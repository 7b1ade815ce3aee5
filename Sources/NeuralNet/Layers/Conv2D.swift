// 2-D convolution over NHWC images as im2col + one GEMM per chunk of images. Weights are
// [k, k, Cin, Cout], i.e. a [k·k·Cin, Cout] matrix. Columns are recomputed in backward rather than
// kept (Conv2D+Backward.swift), so scratch memory is one chunk (bounded by `columnBudget`) whatever the batch size.
// Invariant: a 1×1, stride-1, unpadded convolution skips im2col and multiplies the input directly;
// 3×3, stride-1, padding-1 convolutions take the Winograd path (Conv2D+Winograd.swift) instead.
// In bf16, 3×3 stride-1 convolutions take a bf16 Winograd path (Conv2D+BF16Winograd.swift); the
// others are one oneDNN convolution primitive per chunk of images (`forwardBF16`): no im2col copy,
// the input rounded to bf16 once, the bias added by oneDNN.
import TensorCore

public struct Conv2D: Sendable {
    public let inputChannels: Int, outputChannels: Int
    public let kernelSize: Int, stride: Int, padding: Int
    /// [k, k, Cin, Cout]
    public let weight: ParameterSet.Index
    /// [Cout]
    public let bias: ParameterSet.Index

    /// Scratch scalars per im2col chunk and thread: 1 MB, the size of one core's L2, so a chunk is
    /// still in cache when the GEMM packs it (measured: 7 % less CPU time than 4 MB chunks).
    static let columnBudget = 1 << 18

    /// Registers `name.weight` and `name.bias`, drawn like PyTorch's default (uniform ±1/√fanIn),
    /// or zero when `zeroInitialized` (the last conv of residual blocks and of the network).
    public init(
        name: String, inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1,
        padding: Int = 0, zeroInitialized: Bool = false,
        parameters: inout ParameterSet, random: inout RandomSource
    ) {
        precondition(
            inputChannels > 0 && outputChannels > 0 && kernelSize > 0 && stride > 0 && padding >= 0,
            "Conv2D \(name): invalid geometry")
        (self.inputChannels, self.outputChannels) = (inputChannels, outputChannels)
        (self.kernelSize, self.stride, self.padding) = (kernelSize, stride, padding)
        let fanIn = kernelSize * kernelSize * inputChannels
        let bound = zeroInitialized ? 0 : 1 / Float(fanIn).squareRoot()
        weight = parameters.append(
            name + ".weight",
            uniformTensor(
                [kernelSize, kernelSize, inputChannels, outputChannels],
                bound: bound, random: &random))
        bias = parameters.append(name + ".bias", uniformTensor([outputChannels], bound: bound, random: &random))
    }

    public struct Cache: Sendable {
        /// [N, H, W, Cin]
        public let input: Tensor
    }

    func geometry(_ input: Tensor) -> ConvolutionGeometry {
        ConvolutionGeometry(
            height: input.shape[1], width: input.shape[2], channels: inputChannels,
            kernelSize: kernelSize, stride: stride, padding: padding)
    }

    var isPointwise: Bool { kernelSize == 1 && stride == 1 && padding == 0 }

    /// input [N, H, W, Cin] → output [N, Ho, Wo, Cout]; the GEMMs in bf16 when `bf16` holds this layer's weight.
    public func forward(
        _ input: Tensor, parameters: ParameterSet, workspace: Workspace, bf16: BF16Weights? = nil
    ) -> (output: Tensor, cache: Cache) {
        precondition(
            input.rank == 4 && input.shape[3] == inputChannels,
            "Conv2D: input \(input.shape) does not match [N, H, W, \(inputChannels)]")
        let g = geometry(input)
        if let matrices = bf16?.winograd[weight] {
            return (forwardBF16Winograd(input, matrices, parameters: parameters, workspace: workspace), Cache(input: input))
        }
        if let convolution = bf16?.convolutions[weight] { return (forwardBF16(input, g, convolution), Cache(input: input)) }
        let batch = input.shape[0]
        /// [N, Ho, Wo, Cout]
        var output = Tensor.uninitialized([batch, g.outputHeight, g.outputWidth, outputChannels])
        let (rowsPerImage, kw, cout) = (g.rowsPerImage, g.columnWidth, outputChannels)
        let inputPerImage = g.height * g.width * inputChannels
        let plan = plan(g, batch: batch)
        let scratch = usesWinograd ? nil : workspace.buffer(plan.tasks * plan.columnScalars)
        parameters.withScalars(weight) { w in
            parameters.withScalars(bias) { b in
                input.scalars.withUnsafeBufferPointer { x in
                    output.scalars.withUnsafeMutableBufferPointer { y in
                        guard let x = x.baseAddress, let y = y.baseAddress, let w = w.baseAddress,
                            let b = b.baseAddress
                        else { return }
                        if usesWinograd {
                            Conv2D.winogradConvolution(
                                x, batch: batch, height: g.height, width: g.width,
                                inputChannels: inputChannels, outputChannels: cout,
                                weight: w, bias: b, output: y, workspace: workspace)
                            return
                        }
                        guard let scratch else { return }
                        parallelBLASTasks(plan.tasks) { task in
                            let columns = scratch + task * plan.columnScalars
                            for (first, images) in plan.chunks(task: task, batch: batch) {
                                let rows = images * rowsPerImage
                                var a = x + first * inputPerImage
                                if !isPointwise {
                                    im2col(a, images: images, geometry: g, columns: columns)
                                    a = UnsafePointer(columns)
                                }
                                let c = y + first * rowsPerImage * cout
                                BLAS.sgemm(
                                    transposeA: false, transposeB: false, m: rows, n: cout, k: kw,
                                    a: a, lda: kw, b: w, ldb: cout, beta: 0, c: c, ldc: cout)
                                addRowVector(b, to: c, rows: rows, columns: cout)
                            }
                        }
                    }
                }
            }
        }
        return (output, Cache(input: input))
    }

    /// The bf16 forward pass: the batch cut into calls of `bf16ImagesPerCall` images, dealt to the
    /// threads round-robin. The cut depends only on the image size, never on the thread count or
    /// the batch, so an image's bits do not depend on either (oneDNN's kernel is fixed per shape).
    /// conv(SiLU(norm(input))) for sampling. In bf16 the normalisation and SiLU are applied as the
    /// input is rounded (no fp32 pass and no rounding pass between). In fp32 the bits are those of
    /// `forward(norm.forwardActivated(input))`; in bf16 the rounded input is that activation's, or one
    /// bf16 step from it where the bf16 pass's cheaper exp lands across a rounding boundary.
    public func forward(
        activating input: Tensor, by norm: GroupNorm, parameters: ParameterSet, workspace: Workspace,
        bf16: BF16Weights?
    ) -> Tensor {
        if let matrices = bf16?.winograd[weight] {
            let activated = norm.forwardActivated(input, parameters: parameters)
            return forwardBF16Winograd(activated, matrices, parameters: parameters, workspace: workspace)
        }
        guard let convolution = bf16?.convolutions[weight] else {
            let activated = norm.forwardActivated(input, parameters: parameters)
            return forward(activated, parameters: parameters, workspace: workspace, bf16: bf16).output
        }
        precondition(
            input.rank == 4 && input.shape[3] == inputChannels,
            "Conv2D: input \(input.shape) does not match [N, H, W, \(inputChannels)]")
        let map = norm.affineMap(input, parameters: parameters)
        return forwardBF16(input, geometry(input), convolution, activation: (map.scale, map.shift))
    }

    /// `activation`: a per-image, per-channel map [N, Cin] and SiLU applied to the input on the way in.
    func forwardBF16(
        _ input: Tensor, _ g: ConvolutionGeometry, _ convolution: BF16Convolution,
        activation: (scale: [Float], shift: [Float])? = nil
    ) -> Tensor {
        let batch = input.shape[0]
        var output = Tensor.uninitialized([batch, g.outputHeight, g.outputWidth, outputChannels])
        let perCall = Conv2D.bf16ImagesPerCall(outputPixels: g.rowsPerImage)
        let calls = (batch + perCall - 1) / perCall
        let inputPerImage = g.height * g.width * inputChannels, outputPerImage = g.rowsPerImage * outputChannels
        let tasks = taskCount(calls, costPerItem: perCall * g.rowsPerImage * g.columnWidth * outputChannels / 8)
        input.scalars.withUnsafeBufferPointer { x in
            output.scalars.withUnsafeMutableBufferPointer { y in
                guard let x = x.baseAddress, let y = y.baseAddress else { return }
                parallelBLASTasks(tasks) { task in
                    for call in Swift.stride(from: task, to: calls, by: tasks) {
                        let first = call * perCall, images = min(perCall, batch - first)
                        let (input, output) = (x + first * inputPerImage, y + first * outputPerImage)
                        guard let activation else {
                            convolution.forward(images: images, height: g.height, width: g.width, input: input, output: output)
                            continue
                        }
                        activation.scale.withUnsafeBufferPointer { scale in
                            activation.shift.withUnsafeBufferPointer { shift in
                                guard let scale = scale.baseAddress, let shift = shift.baseAddress else { return }
                                convolution.forward(
                                    images: images, height: g.height, width: g.width, input: input,
                                    activation: (scale + first * inputChannels, shift + first * inputChannels),
                                    output: output)
                            }
                        }
                    }
                }
            }
        }
        return output
    }

    /// Images per oneDNN call in bf16: the smallest power of two giving at least 2048 output
    /// pixels (enough rows to keep AMX tiles full), at most 8 (so a 16-image batch splits in two).
    static func bf16ImagesPerCall(outputPixels: Int) -> Int {
        var images = 1
        while images < 8 && images * outputPixels < 2048 { images *= 2 }
        return images
    }

    /// How a batch is cut: `tasks` threads each take a contiguous share of the images and walk it in
    /// chunks whose im2col matrix fits `columnBudget`.
    struct Plan {
        let tasks: Int, imagesPerChunk: Int, columnScalars: Int

        func chunks(task: Int, batch: Int) -> [(first: Int, images: Int)] {
            let lower = batch * task / tasks, upper = batch * (task + 1) / tasks
            return Swift.stride(from: lower, to: upper, by: imagesPerChunk).map { ($0, min(imagesPerChunk, upper - $0)) }
        }
    }

    func plan(_ g: ConvolutionGeometry, batch: Int) -> Plan {
        let perImage = g.rowsPerImage * g.columnWidth
        let tasks = taskCount(batch, costPerItem: perImage * outputChannels)
        let share = (batch + tasks - 1) / tasks
        let chunk = max(1, min(share, Conv2D.columnBudget / max(1, perImage)))
        return Plan(tasks: tasks, imagesPerChunk: chunk, columnScalars: isPointwise ? 0 : chunk * perImage)
    }

    /// Multiply–accumulates of one forward pass for `batch` images of `height`×`width`.
    public func multiplyAccumulates(height: Int, width: Int) -> Int {
        let g = ConvolutionGeometry(
            height: height, width: width, channels: inputChannels,
            kernelSize: kernelSize, stride: stride, padding: padding)
        return g.rowsPerImage * g.columnWidth * outputChannels
    }
}
