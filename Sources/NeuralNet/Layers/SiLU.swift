// SiLU (swish) y = x·σ(x), elementwise on any shape, with the vectorised exp from FastMath.
// Backward needs only the input: dy/dx = σ(x)·(1 + x·(1 − σ(x))).
import TensorCore

public enum SiLU {
    public struct Cache: Sendable {
        /// Same shape as the output.
        public let input: Tensor
    }

    public static func forward(_ input: Tensor) -> (output: Tensor, cache: Cache) {
        var output = Tensor.uninitialized(input.shape)
        input.scalars.withUnsafeBufferPointer { x in
            output.scalars.withUnsafeMutableBufferPointer { y in
                guard let x = x.baseAddress, let y = y.baseAddress else { return }
                parallelRanges((input.count + 7) / 8, costPerItem: 64) { blocks in
                    let end = min(blocks.upperBound * 8, input.count)
                    mapVectors(count: end - blocks.lowerBound * 8) { offset, lanes in
                        let i = blocks.lowerBound * 8 + offset
                        let v = loadPartial(x + i, lanes)
                        storePartial(v * fastSigmoid(v), y + i, lanes)
                    }
                }
            }
        }
        return (output, Cache(input: input))
    }

    /// Returns dInput.
    public static func backward(_ dOutput: Tensor, cache: Cache) -> Tensor {
        precondition(dOutput.shape == cache.input.shape, "SiLU: dOutput \(dOutput.shape) vs input \(cache.input.shape)")
        var dInput = Tensor.uninitialized(dOutput.shape)
        cache.input.scalars.withUnsafeBufferPointer { x in
            dOutput.scalars.withUnsafeBufferPointer { dy in
                dInput.scalars.withUnsafeMutableBufferPointer { dx in
                    guard let x = x.baseAddress, let dy = dy.baseAddress, let dx = dx.baseAddress else { return }
                    parallelRanges((dOutput.count + 7) / 8, costPerItem: 64) { blocks in
                        let end = min(blocks.upperBound * 8, dOutput.count)
                        mapVectors(count: end - blocks.lowerBound * 8) { offset, lanes in
                            let i = blocks.lowerBound * 8 + offset
                            let v = loadPartial(x + i, lanes)
                            let s = fastSigmoid(v)
                            storePartial(loadPartial(dy + i, lanes) * s * (1 + v * (1 - s)), dx + i, lanes)
                        }
                    }
                }
            }
        }
        return dInput
    }
}
