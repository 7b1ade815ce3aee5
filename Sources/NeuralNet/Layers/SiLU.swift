// SiLU (swish) y = x·σ(x), elementwise on any shape, with the vectorised exp from FastMath (forward:
// its AVX-512 twin in CVectorKernels where the CPU has it, bit for bit the same values).
// Backward needs only the input: dy/dx = σ(x)·(1 + x·(1 − σ(x))).
import CVectorKernels
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
                parallelRanges(input.count, costPerItem: 8) { range in
                    if VectorKernels.avx512 {
                        kac_silu(x + range.lowerBound, y + range.lowerBound, range.count)
                    } else {
                        PortableKernels.silu(x + range.lowerBound, y + range.lowerBound, count: range.count)
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
                    parallelRanges(dOutput.count, costPerItem: 8) { range in
                        for i in range {
                            let s = fastSigmoid(x[i])
                            dx[i] = dy[i] * s * (1 + x[i] * (1 - s))
                        }
                    }
                }
            }
        }
        return dInput
    }
}
