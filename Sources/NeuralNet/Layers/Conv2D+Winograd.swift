// The Winograd path of Conv2D: 3×3, stride-1, padding-1 convolutions (almost all of the UNet's
// FLOPs) run forward, and their input gradient (a convolution of dOutput with the flipped kernel)
// runs backward, as 16 GEMMs on Winograd-transformed tiles; the weight gradient uses the adjoint
// transforms (dU = Σ_tiles Vᵀ·(A·dY·Aᵀ), dW = Gᵀ·dU·G), also as 16 GEMMs.
// Invariant: same results as im2col up to Float rounding (checked against the Double reference).
import TensorCore

extension Conv2D {
    var usesWinograd: Bool { kernelSize == 3 && stride == 1 && padding == 1 }

    /// Scratch scalars per thread for transformed tiles: ~2 MB, so the 16 GEMMs still have hundreds of rows.
    static let winogradBudget = 1 << 19

    /// output [N, H, W, Cout] = input [N, H, W, Cin] ⊛ weight [3, 3, Cin, Cout] + bias, "same" padding.
    static func winogradConvolution(
        _ input: UnsafePointer<Float>, batch: Int, height h: Int, width w: Int,
        inputChannels cin: Int, outputChannels cout: Int,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
        output: UnsafeMutablePointer<Float>, workspace: Workspace
    ) {
        let tilesPerImage = Winograd.tiles(height: h, width: w)
        let perImage = 16 * tilesPerImage * (cin + cout)
        let tasks = taskCount(batch, costPerItem: h * w * cin * cout * 4)
        let share = (batch + tasks - 1) / tasks
        let chunk = max(1, min(share, winogradBudget / perImage))
        let transformScratch = Winograd.scratchScalars(channels: max(cin, cout))
        let perTask = chunk * perImage + transformScratch
        // Layout: u [16, Cin, Cout] | zeros [Cin] | per task: v [T, 16, Cin], m [16, T, Cout], scratch.
        // Tile-major v keeps each tile's 16 vectors together (one write stream in the input transform;
        // GEMM e reads every 16th row through lda); entry-major m keeps each GEMM's output contiguous.
        let buffer = workspace.buffer(16 * cin * cout + cin + tasks * perTask)
        let u = buffer, zeros = buffer + 16 * cin * cout, tasksBase = zeros + cin
        Winograd.transformWeights(weight, inputChannels: cin, outputChannels: cout, into: u)
        zeros.update(repeating: 0, count: cin)
        parallelBLASTasks(tasks) { task in
            let v = tasksBase + task * perTask
            let lower = batch * task / tasks, upper = batch * (task + 1) / tasks
            for first in Swift.stride(from: lower, to: upper, by: chunk) {
                let images = min(chunk, upper - first)
                let tileCount = images * tilesPerImage
                let m = v + 16 * tileCount * cin, scratch = v + chunk * perImage
                Winograd.transformInput(
                    input + first * h * w * cin, images: images, height: h, width: w, channels: cin,
                    zeros: zeros, scratch: scratch, into: v)
                for entry in 0..<16 {
                    BLAS.sgemm(
                        transposeA: false, transposeB: false, m: tileCount, n: cout, k: cin,
                        a: v + entry * cin, lda: 16 * cin, b: u + entry * cin * cout, ldb: cout,
                        beta: 0, c: m + entry * tileCount * cout, ldc: cout)
                }
                Winograd.transformOutput(
                    m, images: images, height: h, width: w, channels: cout, bias: bias,
                    scratch: scratch, into: output + first * h * w * cout)
            }
        }
    }

    /// Accumulates dWeight and dBias and, when `dInput` is given, assigns it: the Winograd backward.
    func winogradBackward(
        _ dOutput: Tensor, input: Tensor, parameters: ParameterSet, gradients: inout ParameterSet,
        workspace: Workspace, dInput dx: UnsafeMutablePointer<Float>?
    ) {
        let (batch, h, w) = (input.shape[0], input.shape[1], input.shape[2])
        let (cin, cout) = (inputChannels, outputChannels)
        let tilesPerImage = Winograd.tiles(height: h, width: w)
        let perImage = 16 * tilesPerImage * (cin + cout)
        let tasks = taskCount(batch, costPerItem: h * w * cin * cout * 4)
        let share = (batch + tasks - 1) / tasks
        let chunk = max(1, min(share, Conv2D.winogradBudget / perImage))
        let transformScratch = Winograd.scratchScalars(channels: max(cin, cout))
        // Per task: v [T, 16, Cin], ŷ [T, 16, Cout], scratch, then its dU [16, Cin, Cout] and dBias
        // [Cout] partial sums (added in task order afterwards). Then zeros [max(Cin, Cout)].
        let partials = 16 * cin * cout + cout
        let perTask = chunk * perImage + transformScratch + partials
        let buffer = workspace.buffer(tasks * perTask + max(cin, cout))
        let zeros = buffer + tasks * perTask
        zeros.update(repeating: 0, count: max(cin, cout))
        input.scalars.withUnsafeBufferPointer { x in
            dOutput.scalars.withUnsafeBufferPointer { dy in
                guard let x = x.baseAddress, let dy = dy.baseAddress else { return }
                parallelBLASTasks(tasks) { task in
                    let v = buffer + task * perTask
                    let scratch = v + chunk * perImage, dU = scratch + transformScratch, db = dU + 16 * cin * cout
                    dU.update(repeating: 0, count: partials)
                    let lower = batch * task / tasks, upper = batch * (task + 1) / tasks
                    for first in Swift.stride(from: lower, to: upper, by: chunk) {
                        let images = min(chunk, upper - first)
                        let tileCount = images * tilesPerImage
                        let gradient = v + 16 * tileCount * cin
                        let dyChunk = dy + first * h * w * cout
                        accumulateColumnSums(dyChunk, rows: images * h * w, columns: cout, into: db)
                        Winograd.transformInput(
                            x + first * h * w * cin, images: images, height: h, width: w, channels: cin,
                            zeros: zeros, scratch: scratch, into: v)
                        Winograd.transformGradient(
                            dyChunk, images: images, height: h, width: w, channels: cout,
                            zeros: zeros, scratch: scratch, into: gradient)
                        for entry in 0..<16 {
                            // dU_e[Cin, Cout] += V_eᵀ · Ŷ_e
                            BLAS.sgemm(
                                transposeA: true, transposeB: false, m: cin, n: cout, k: tileCount,
                                a: v + entry * cin, lda: 16 * cin, b: gradient + entry * cout, ldb: 16 * cout,
                                beta: 1, c: dU + entry * cin * cout, ldc: cout)
                        }
                    }
                }
            }
        }
        // Sum the tasks' partials into task 0's, then transform dU back to kernel space.
        let first = buffer + chunk * perImage + transformScratch
        for task in 1..<max(tasks, 1) {
            let partial = buffer + task * perTask + chunk * perImage + transformScratch
            for i in 0..<partials { first[i] += partial[i] }
        }
        gradients.withMutableScalars(weight) { dw in
            guard let dw = dw.baseAddress else { return }
            Winograd.accumulateWeightGradient(first, inputChannels: cin, outputChannels: cout, into: dw)
        }
        gradients.withMutableScalars(bias) { db in
            for co in 0..<cout { db[co] += first[16 * cin * cout + co] }
        }
        guard let dx else { return }
        // dX = dY ⊛ flipped kernel, a "same" 3×3 convolution from Cout back to Cin channels. The
        // workspace is free again: the partial sums above have been used.
        var flippedKernel = [Float](repeating: 0, count: 9 * cin * cout)
        let zeroBias = [Float](repeating: 0, count: cin)
        parameters.withScalars(weight) { weights in
            dOutput.scalars.withUnsafeBufferPointer { dy in
                flippedKernel.withUnsafeMutableBufferPointer { flipped in
                    zeroBias.withUnsafeBufferPointer { zero in
                        guard let weights = weights.baseAddress, let dy = dy.baseAddress, let flipped = flipped.baseAddress,
                            let zero = zero.baseAddress
                        else { return }
                        flipKernel(weights, into: flipped)
                        Conv2D.winogradConvolution(
                            dy, batch: batch, height: h, width: w, inputChannels: cout,
                            outputChannels: cin, weight: flipped, bias: zero, output: dx,
                            workspace: workspace)
                    }
                }
            }
        }
    }
}
