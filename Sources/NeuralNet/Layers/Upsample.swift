// Nearest-neighbour ×2 upsampling of NHWC images: output pixel (y, x) copies input (y/2, x/2).
// Backward is the adjoint: each input pixel receives the sum of its four copies. No parameters.
import TensorCore

public enum NearestUpsample {
    /// input [N, H, W, C] → output [N, 2H, 2W, C].
    public static func forward(_ input: Tensor) -> Tensor {
        precondition(input.rank == 4, "NearestUpsample: input \(input.shape) is not [N, H, W, C]")
        let (n, h, w, c) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        var output = Tensor.uninitialized([n, 2 * h, 2 * w, c])
        input.scalars.withUnsafeBufferPointer { x in
            output.scalars.withUnsafeMutableBufferPointer { y in
                guard let x = x.baseAddress, let y = y.baseAddress else { return }
                parallelRanges(n * h, costPerItem: 4 * w * c) { rows in
                    for row in rows {
                        let source = x + row * w * c
                        let top = y + 2 * row * 2 * w * c, bottom = top + 2 * w * c
                        for ix in 0..<w {
                            (top + 2 * ix * c).update(from: source + ix * c, count: c)
                            (top + (2 * ix + 1) * c).update(from: source + ix * c, count: c)
                        }
                        bottom.update(from: top, count: 2 * w * c)
                    }
                }
            }
        }
        return output
    }

    /// dOutput [N, 2H, 2W, C] → dInput [N, H, W, C].
    public static func backward(_ dOutput: Tensor) -> Tensor {
        precondition(
            dOutput.rank == 4 && dOutput.shape[1] % 2 == 0 && dOutput.shape[2] % 2 == 0,
            "NearestUpsample: dOutput \(dOutput.shape) is not [N, 2H, 2W, C]")
        let (n, h, w, c) = (dOutput.shape[0], dOutput.shape[1] / 2, dOutput.shape[2] / 2, dOutput.shape[3])
        var dInput = Tensor.uninitialized([n, h, w, c])
        dOutput.scalars.withUnsafeBufferPointer { dy in
            dInput.scalars.withUnsafeMutableBufferPointer { dx in
                guard let dy = dy.baseAddress, let dx = dx.baseAddress else { return }
                parallelRanges(n * h, costPerItem: 4 * w * c) { rows in
                    for row in rows {
                        let top = dy + 2 * row * 2 * w * c, bottom = top + 2 * w * c
                        for ix in 0..<w {
                            let target = dx + (row * w + ix) * c
                            let a = top + 2 * ix * c, b = bottom + 2 * ix * c
                            for ch in 0..<c { target[ch] = a[ch] + a[c + ch] + b[ch] + b[c + ch] }
                        }
                    }
                }
            }
        }
        return dInput
    }
}
