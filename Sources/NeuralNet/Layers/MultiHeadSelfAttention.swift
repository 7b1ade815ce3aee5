// Multi-head self-attention over the spatial positions of NHWC images: qkv = x·Wqkv (C → 3C, laid
// out [q | k | v] per position, heads contiguous inside each), softmax(q·kᵀ/√d)·v per head, then an
// output projection. The (image, head) pairs are independent: the two threads split them, each
// calling single-threaded BLAS on the strided per-head blocks. The cache keeps qkv, the attention
// weights and the pre-projection output: backward needs all three.
import TensorCore

public struct MultiHeadSelfAttention: Sendable {
    public let channels: Int, headCount: Int
    public let qkv: Linear
    public let projection: Linear

    /// Registers `name.qkv.*` and `name.proj.*`; the output projection starts at zero when asked
    /// (ADM does, so a new attention block starts as the identity inside its residual).
    public init(
        name: String, channels: Int, headCount: Int, zeroInitializedOutput: Bool = true,
        parameters: inout ParameterSet, random: inout RandomSource
    ) {
        precondition(
            headCount > 0 && channels % headCount == 0,
            "MultiHeadSelfAttention \(name): \(channels) channels do not split into \(headCount) heads")
        (self.channels, self.headCount) = (channels, headCount)
        qkv = Linear(
            name: name + ".qkv", inputWidth: channels, outputWidth: 3 * channels,
            parameters: &parameters, random: &random)
        projection = Linear(
            name: name + ".proj", inputWidth: channels, outputWidth: channels,
            zeroInitialized: zeroInitializedOutput, parameters: &parameters, random: &random)
    }

    public struct Cache: Sendable {
        public let qkv: Linear.Cache
        /// [N, P, 3C]
        public let queryKeyValue: Tensor
        /// [N, heads, P, P], softmax rows
        public let weights: Tensor
        public let projection: Linear.Cache
    }

    /// input [N, H, W, C] (or [N, P, C]) → output of the same shape.
    /// With `bf16`, the qkv and output projections run in bf16; the per-head products q·kᵀ and ·v
    /// (activations on both sides, ~2 % of the UNet's FLOPs) stay fp32.
    public func forward(_ input: Tensor, parameters: ParameterSet, bf16: BF16Weights? = nil) -> (output: Tensor, cache: Cache) {
        precondition(
            input.rank >= 3 && input.shape[input.rank - 1] == channels,
            "MultiHeadSelfAttention: input \(input.shape) does not end in \(channels) channels")
        let batch = input.shape[0], positions = input.count / (batch * channels)
        let (c, heads, d) = (channels, headCount, channels / headCount)
        let scale = 1 / Float(d).squareRoot()
        let (queryKeyValue, qkvCache) = qkv.forward(input, parameters: parameters, bf16: bf16)
        var weights = Tensor.uninitialized([batch, heads, positions, positions])
        /// [N, P, C]
        var attended = Tensor.uninitialized(input.shape)
        queryKeyValue.scalars.withUnsafeBufferPointer { qkvBuffer in
            weights.scalars.withUnsafeMutableBufferPointer { weightBuffer in
                attended.scalars.withUnsafeMutableBufferPointer { outBuffer in
                    guard let all = qkvBuffer.baseAddress, let a = weightBuffer.baseAddress,
                        let out = outBuffer.baseAddress
                    else { return }
                    let pairs = batch * heads
                    let tasks = taskCount(pairs, costPerItem: 4 * positions * positions * d)
                    parallelBLASTasks(tasks) { task in
                        for pair in (pairs * task / tasks)..<(pairs * (task + 1) / tasks) {
                            let image = pair / heads, head = pair % heads
                            let q = all + image * positions * 3 * c + head * d
                            let scores = a + pair * positions * positions
                            // scores = scale · q·kᵀ, softmax by rows, then ·v.
                            BLAS.sgemm(
                                transposeA: false, transposeB: true, m: positions, n: positions, k: d, alpha: scale,
                                a: q, lda: 3 * c, b: q + c, ldb: 3 * c, beta: 0, c: scores, ldc: positions)
                            softmaxRows(scores, rows: positions, columns: positions)
                            BLAS.sgemm(
                                transposeA: false, transposeB: false, m: positions, n: d, k: positions,
                                a: scores, lda: positions, b: q + 2 * c, ldb: 3 * c, beta: 0,
                                c: out + image * positions * c + head * d, ldc: c)
                        }
                    }
                }
            }
        }
        let (output, projectionCache) = projection.forward(attended, parameters: parameters, bf16: bf16)
        return (output, Cache(qkv: qkvCache, queryKeyValue: queryKeyValue, weights: weights, projection: projectionCache))
    }

    /// Accumulates the qkv and projection gradients; returns dInput.
    public func backward(_ dOutput: Tensor, cache: Cache, parameters: ParameterSet, gradients: inout ParameterSet) -> Tensor {
        let shape = cache.qkv.input.shape
        precondition(dOutput.shape == shape, "MultiHeadSelfAttention: dOutput \(dOutput.shape) vs input \(shape)")
        let batch = shape[0], positions = dOutput.count / (batch * channels)
        let (c, heads, d) = (channels, headCount, channels / headCount)
        let scale = 1 / Float(d).squareRoot()
        let dAttended = projection.backward(dOutput, cache: cache.projection, parameters: parameters, gradients: &gradients)
        /// [N, P, 3C], every entry written by exactly one (image, head) pair
        var dQueryKeyValue = Tensor.uninitialized(cache.queryKeyValue.shape)
        cache.queryKeyValue.scalars.withUnsafeBufferPointer { qkvBuffer in
            cache.weights.scalars.withUnsafeBufferPointer { weightBuffer in
                dAttended.scalars.withUnsafeBufferPointer { dOutBuffer in
                    dQueryKeyValue.scalars.withUnsafeMutableBufferPointer { dqkvBuffer in
                        guard let all = qkvBuffer.baseAddress, let a = weightBuffer.baseAddress,
                            let dOut = dOutBuffer.baseAddress, let dAll = dqkvBuffer.baseAddress
                        else { return }
                        let pairs = batch * heads
                        let tasks = taskCount(pairs, costPerItem: 8 * positions * positions * d)
                        parallelBLASTasks(tasks) { task in
                            var scratch = [Float](repeating: 0, count: positions * positions)
                            scratch.withUnsafeMutableBufferPointer { scratch in
                                guard let dScores = scratch.baseAddress else { return }
                                for pair in (pairs * task / tasks)..<(pairs * (task + 1) / tasks) {
                                    let image = pair / heads, head = pair % heads
                                    let offset = image * positions * 3 * c + head * d
                                    let (q, k, v) = (all + offset, all + offset + c, all + offset + 2 * c)
                                    let (dq, dk, dv) = (dAll + offset, dAll + offset + c, dAll + offset + 2 * c)
                                    let weights = a + pair * positions * positions
                                    let dO = dOut + image * positions * c + head * d
                                    // dA = dO·vᵀ and dv = Aᵀ·dO; then dS = softmax backward of dA.
                                    BLAS.sgemm(
                                        transposeA: false, transposeB: true, m: positions, n: positions, k: d,
                                        a: dO, lda: c, b: v, ldb: 3 * c, beta: 0, c: dScores, ldc: positions)
                                    BLAS.sgemm(
                                        transposeA: true, transposeB: false, m: positions, n: d, k: positions,
                                        a: weights, lda: positions, b: dO, ldb: c, beta: 0, c: dv, ldc: 3 * c)
                                    softmaxBackwardRows(weights, dScores, rows: positions, columns: positions)
                                    // dq = scale·dS·k and dk = scale·dSᵀ·q.
                                    BLAS.sgemm(
                                        transposeA: false, transposeB: false, m: positions, n: d, k: positions,
                                        alpha: scale, a: dScores, lda: positions, b: k, ldb: 3 * c, beta: 0,
                                        c: dq, ldc: 3 * c)
                                    BLAS.sgemm(
                                        transposeA: true, transposeB: false, m: positions, n: d, k: positions,
                                        alpha: scale, a: dScores, lda: positions, b: q, ldb: 3 * c, beta: 0,
                                        c: dk, ldc: 3 * c)
                                }
                            }
                        }
                    }
                }
            }
        }
        return qkv.backward(dQueryKeyValue, cache: cache.qkv, parameters: parameters, gradients: &gradients)
    }

    /// Multiply–accumulates of one forward pass over `positions` positions (projections + core).
    public func multiplyAccumulates(positions: Int) -> Int {
        positions * channels * 4 * channels + 2 * positions * positions * channels
    }
}
