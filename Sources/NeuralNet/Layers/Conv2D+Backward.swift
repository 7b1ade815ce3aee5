// Conv2D's backward pass: dWeight and dBias from im2col chunks, dInput either by col2im or, for
// stride-1 "same" convolutions, as a forward convolution of dOutput with the flipped kernel; the
// Winograd layers take their own backward (Conv2D+Winograd.swift). Forward and the chunk plan are in
// Conv2D.swift.
import TensorCore

extension Conv2D {
    /// Accumulates dWeight and dBias; returns dInput [N, H, W, Cin].
    public func backward(
        _ dOutput: Tensor, cache: Cache, parameters: ParameterSet, gradients: inout ParameterSet,
        workspace: Workspace
    ) -> Tensor {
        /// [N, H, W, Cin]
        var dInput = Tensor.uninitialized(cache.input.shape)
        dInput.scalars.withUnsafeMutableBufferPointer { dx in
            backward(
                dOutput, cache: cache, parameters: parameters, gradients: &gradients, workspace: workspace,
                dInput: dx.baseAddress)
        }
        return dInput
    }

    /// Accumulates dWeight and dBias only (for the first layer, whose input is the data).
    public func accumulateGradients(
        _ dOutput: Tensor, cache: Cache, parameters: ParameterSet,
        gradients: inout ParameterSet, workspace: Workspace
    ) {
        backward(dOutput, cache: cache, parameters: parameters, gradients: &gradients, workspace: workspace, dInput: nil)
    }

    private func backward(
        _ dOutput: Tensor, cache: Cache, parameters: ParameterSet, gradients: inout ParameterSet,
        workspace: Workspace, dInput dx: UnsafeMutablePointer<Float>?
    ) {
        let input = cache.input
        if usesWinograd {
            precondition(
                dOutput.shape == input.shape.dropLast() + [outputChannels],
                "Conv2D: dOutput \(dOutput.shape) does not match the forward output of input \(input.shape)")
            winogradBackward(
                dOutput, input: input, parameters: parameters, gradients: &gradients,
                workspace: workspace, dInput: dx)
            return
        }
        let g = geometry(input)
        let batch = input.shape[0]
        precondition(
            dOutput.shape == [batch, g.outputHeight, g.outputWidth, outputChannels],
            "Conv2D: dOutput \(dOutput.shape) does not match the forward output of input \(input.shape)")
        let (rowsPerImage, kw, cout) = (g.rowsPerImage, g.columnWidth, outputChannels)
        let inputPerImage = g.height * g.width * inputChannels
        let plan = plan(g, batch: batch)
        let transposed = usesTransposedBackward
        /// Geometry of dOutput seen as the input of the transposed convolution.
        let dyGeometry = ConvolutionGeometry(
            height: g.outputHeight, width: g.outputWidth, channels: cout,
            kernelSize: kernelSize, stride: 1, padding: kernelSize - 1 - padding)
        let columnScalars =
            transposed
            ? max(plan.columnScalars, plan.imagesPerChunk * rowsPerImage * dyGeometry.columnWidth)
            : plan.columnScalars
        // Per task: im2col chunk, then its private dWeight [K, Cout] and dBias [Cout] partial sums,
        // added in task order afterwards so results do not depend on thread timing. After the tasks'
        // regions: the flipped kernel [k, k, Cout, Cin] of the transposed path, shared read-only.
        let perTask = columnScalars + kw * cout + cout
        let scratch = workspace.buffer(plan.tasks * perTask + (transposed ? kw * cout : 0))
        let flipped = scratch + plan.tasks * perTask
        parameters.withScalars(weight) { w in
            input.scalars.withUnsafeBufferPointer { x in
                dOutput.scalars.withUnsafeBufferPointer { dy in
                    guard let w = w.baseAddress, let x = x.baseAddress, let dy = dy.baseAddress else { return }
                    if transposed { flipKernel(w, into: flipped) }
                    parallelBLASTasks(plan.tasks) { task in
                        let columns = scratch + task * perTask
                        let dw = columns + columnScalars, db = dw + kw * cout
                        dw.update(repeating: 0, count: kw * cout + cout)
                        for (first, images) in plan.chunks(task: task, batch: batch) {
                            let rows = images * rowsPerImage
                            let dyChunk = dy + first * rowsPerImage * cout
                            accumulateColumnSums(dyChunk, rows: rows, columns: cout, into: db)
                            var a = x + first * inputPerImage
                            if !isPointwise {
                                im2col(a, images: images, geometry: g, columns: columns)
                                a = UnsafePointer(columns)
                            }
                            // dW[K, Cout] += colsᵀ · dY
                            BLAS.sgemm(
                                transposeA: true, transposeB: false, m: kw, n: cout, k: rows,
                                a: a, lda: kw, b: dyChunk, ldb: cout, beta: 1, c: dw, ldc: cout)
                            guard let dx else { continue }
                            let dxChunk = dx + first * inputPerImage
                            if transposed {
                                // dX = im2col(dY) · flipped kernel: a "same" convolution back to Cin channels.
                                im2col(dyChunk, images: images, geometry: dyGeometry, columns: columns)
                                BLAS.sgemm(
                                    transposeA: false, transposeB: false, m: rows, n: inputChannels,
                                    k: dyGeometry.columnWidth, a: columns, lda: dyGeometry.columnWidth,
                                    b: flipped, ldb: inputChannels, beta: 0, c: dxChunk, ldc: inputChannels)
                                continue
                            }
                            // dCols[rows, K] = dY · Wᵀ, straight into dInput when there is no im2col.
                            let target = isPointwise ? dxChunk : columns
                            BLAS.sgemm(
                                transposeA: false, transposeB: true, m: rows, n: kw, k: cout,
                                a: dyChunk, lda: cout, b: w, ldb: cout, beta: 0, c: target, ldc: kw)
                            if !isPointwise { col2im(columns, images: images, geometry: g, output: dxChunk) }
                        }
                    }
                }
            }
        }
        for (index, offset, count) in [(weight, columnScalars, kw * cout), (bias, columnScalars + kw * cout, cout)] {
            gradients.withMutableScalars(index) { target in
                for task in 0..<plan.tasks {
                    let partial = scratch + task * perTask + offset
                    for i in 0..<count { target[i] += partial[i] }
                }
            }
        }
    }

    /// Stride-1 "same" convolutions get dInput as a convolution of dOutput with the flipped kernel:
    /// im2col's contiguous copies instead of col2im's scattered adds, and the same GEMM FLOPs.
    var usesTransposedBackward: Bool { stride == 1 && kernelSize > 1 && 2 * padding == kernelSize - 1 }

    /// flipped[k−1−ky, k−1−kx, co, ci] = weight[ky, kx, ci, co]
    func flipKernel(_ weight: UnsafePointer<Float>, into flipped: UnsafeMutablePointer<Float>) {
        let (k, cin, cout) = (kernelSize, inputChannels, outputChannels)
        for ky in 0..<k {
            for kx in 0..<k {
                let source = weight + (ky * k + kx) * cin * cout
                let target = flipped + ((k - 1 - ky) * k + (k - 1 - kx)) * cout * cin
                for ci in 0..<cin {
                    for co in 0..<cout { target[co * cin + ci] = source[ci * cout + co] }
                }
            }
        }
    }
}
