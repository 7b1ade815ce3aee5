// The Winograd path of Conv2D: 3×3, stride-1, padding-1 convolutions (almost all of the UNet's
// FLOPs) run forward, and their input gradient (a convolution of dOutput with the flipped kernel)
// runs backward, as 16 GEMMs on Winograd-transformed tiles. The weight gradient stays on im2col.
// Invariant: same results as im2col up to Float rounding (checked against the Double reference).
import TensorCore

extension Conv2D {
    var usesWinograd: Bool { kernelSize == 3 && stride == 1 && padding == 1 }

    /// Scratch scalars per thread for transformed tiles: ~2 MB, so the 16 GEMMs still have hundreds of rows.
    static let winogradBudget = 1 << 19

    /// output [N, H, W, Cout] = input [N, H, W, Cin] ⊛ weight [3, 3, Cin, Cout] + bias, "same" padding.
    static func winogradConvolution(_ input: UnsafePointer<Float>, batch: Int, height h: Int, width w: Int,
                                    inputChannels cin: Int, outputChannels cout: Int,
                                    weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                                    output: UnsafeMutablePointer<Float>, workspace: Workspace) {
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
                Winograd.transformInput(input + first * h * w * cin, images: images, height: h, width: w, channels: cin,
                                        zeros: zeros, scratch: scratch, into: v)
                for entry in 0..<16 {
                    BLAS.sgemm(transposeA: false, transposeB: false, m: tileCount, n: cout, k: cin,
                               a: v + entry * cin, lda: 16 * cin, b: u + entry * cin * cout, ldb: cout,
                               beta: 0, c: m + entry * tileCount * cout, ldc: cout)
                }
                Winograd.transformOutput(m, images: images, height: h, width: w, channels: cout, bias: bias,
                                         scratch: scratch, into: output + first * h * w * cout)
            }
        }
    }
}
