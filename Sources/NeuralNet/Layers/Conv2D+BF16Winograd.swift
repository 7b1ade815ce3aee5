// The bf16 forward of 3×3, stride-1, padding-1 convolutions: Winograd F(2×2, 3×3) as in fp32
// (Conv2D+Winograd.swift), with the transforms in fp32 and the 16 per-entry products in bf16. The
// input transform is summed in fp32 and rounded to bf16 once; the weights are transformed in fp32
// and rounded once, when the network switches to bf16; the products sum in fp32; the output
// transform and the bias stay fp32. 2.25× fewer multiplications than the direct bf16 convolution.
// Invariant: the cut into calls depends only on the image size, so an image's bits depend neither
// on the thread count nor on the batch (the renderer pads calls to multiples of 16 images).
import TensorCore

extension Conv2D {
    /// Images per bf16 Winograd call: the smallest power of two giving at least 128 tiles (rows of
    /// the 16 products; a 28×28 image alone has 196, and its bf16 tiles and fp32 products, 0.6 MB at
    /// 32 channels, stay in a 1 MB L2), at most 8 so that a 16-image batch splits into equal calls.
    static func bf16WinogradImagesPerCall(tilesPerImage: Int) -> Int {
        var images = 1
        while images < 8 && images * tilesPerImage < 128 { images *= 2 }
        return images
    }

    /// output [N, H, W, Cout] = input [N, H, W, Cin] ⊛ weight + bias through `matrices` (this layer's
    /// transformed weights in bf16).
    func forwardBF16Winograd(
        _ input: Tensor, _ matrices: BF16WinogradMatrices, parameters: ParameterSet, workspace: Workspace
    ) -> Tensor {
        precondition(usesWinograd, "Conv2D: the Winograd path needs a 3×3, stride-1, padding-1 convolution")
        let (batch, h, w) = (input.shape[0], input.shape[1], input.shape[2])
        let (cin, cout) = (inputChannels, outputChannels)
        var output = Tensor.uninitialized([batch, h, w, cout])
        let tilesPerImage = Winograd.tiles(height: h, width: w)
        let perCall = Conv2D.bf16WinogradImagesPerCall(tilesPerImage: tilesPerImage)
        let calls = (batch + perCall - 1) / perCall
        let maximumTiles = perCall * tilesPerImage
        // Per task: v [16, T, Cin] bf16 (two per Float slot, rounded up to 64 bytes), m [16, T, Cout] fp32.
        let vSlots = (16 * maximumTiles * cin / 2 + 15) / 16 * 16
        let perTask = vSlots + 16 * maximumTiles * cout
        let tasks = taskCount(calls, costPerItem: perCall * h * w * cin * cout / 2)
        let buffer = workspace.buffer(tasks * perTask)
        let (inputPerImage, outputPerImage) = (h * w * cin, h * w * cout)
        parameters.withScalars(bias) { b in
            input.scalars.withUnsafeBufferPointer { x in
                output.scalars.withUnsafeMutableBufferPointer { y in
                    guard let b = b.baseAddress, let x = x.baseAddress, let y = y.baseAddress else { return }
                    parallelBLASTasks(tasks) { task in
                        let region = buffer + task * perTask
                        let m = region + vSlots
                        region.withMemoryRebound(to: UInt16.self, capacity: 2 * vSlots) { v in
                            for call in Swift.stride(from: task, to: calls, by: tasks) {
                                let first = call * perCall, images = min(perCall, batch - first)
                                BF16WinogradMatrices.transformInput(
                                    x + first * inputPerImage, images: images, height: h, width: w, channels: cin,
                                    into: v)
                                matrices.multiply(tiles: images * tilesPerImage, v: v, into: m)
                                BF16WinogradMatrices.transformOutput(
                                    m, images: images, height: h, width: w, channels: cout, bias: b,
                                    into: y + first * outputPerImage)
                            }
                        }
                    }
                }
            }
        }
        return output
    }
}
