// Fully connected layer y = x·W + b over the last axis; every leading axis is folded into the GEMM's
// M dimension (so [N, P, C] inputs run as one [N·P, C] matrix product). W is stored [in, out].
import TensorCore

public struct Linear: Sendable {
    public let inputWidth: Int, outputWidth: Int
    /// [in, out]
    public let weight: ParameterSet.Index
    /// [out]
    public let bias: ParameterSet.Index

    /// Registers `name.weight` and `name.bias`, uniform ±1/√in like PyTorch, or zero when asked.
    public init(
        name: String, inputWidth: Int, outputWidth: Int, zeroInitialized: Bool = false,
        parameters: inout ParameterSet, random: inout RandomSource
    ) {
        precondition(inputWidth > 0 && outputWidth > 0, "Linear \(name): widths must be positive")
        (self.inputWidth, self.outputWidth) = (inputWidth, outputWidth)
        let bound = zeroInitialized ? 0 : 1 / Float(inputWidth).squareRoot()
        weight = parameters.append(name + ".weight", uniformTensor([inputWidth, outputWidth], bound: bound, random: &random))
        bias = parameters.append(name + ".bias", uniformTensor([outputWidth], bound: bound, random: &random))
    }

    public struct Cache: Sendable {
        /// [..., in]
        public let input: Tensor
    }

    /// input [..., in] → output [..., out]; the product in bf16 when `bf16` holds this layer's weight.
    public func forward(_ input: Tensor, parameters: ParameterSet, bf16: BF16Weights? = nil) -> (output: Tensor, cache: Cache) {
        precondition(
            input.rank >= 1 && input.shape[input.rank - 1] == inputWidth,
            "Linear: input \(input.shape) does not end in \(inputWidth)")
        let rows = input.count / inputWidth
        /// [..., out]
        var output = Tensor.uninitialized(Array(input.shape.dropLast()) + [outputWidth])
        let packed = bf16?.matrices[weight]
        parameters.withScalars(weight) { w in
            parameters.withScalars(bias) { b in
                input.scalars.withUnsafeBufferPointer { x in
                    output.scalars.withUnsafeMutableBufferPointer { y in
                        guard let w = w.baseAddress, let b = b.baseAddress, let x = x.baseAddress,
                            let y = y.baseAddress, rows > 0
                        else { return }
                        let (cin, cout) = (inputWidth, outputWidth)
                        let tasks = taskCount(rows, costPerItem: cin * cout)
                        parallelBLASTasks(tasks) { task in
                            let lower = rows * task / tasks, count = rows * (task + 1) / tasks - lower
                            let c = y + lower * cout
                            if let packed {
                                packed.multiply(m: count, a: x + lower * cin, lda: cin, c: c, ldc: cout)
                            } else {
                                BLAS.sgemm(
                                    transposeA: false, transposeB: false, m: count, n: cout, k: cin,
                                    a: x + lower * cin, lda: cin, b: w, ldb: cout, beta: 0, c: c, ldc: cout)
                            }
                            addRowVector(b, to: c, rows: count, columns: cout)
                        }
                    }
                }
            }
        }
        return (output, Cache(input: input))
    }

    /// Accumulates dWeight and dBias; returns dInput (same shape as the input).
    public func backward(_ dOutput: Tensor, cache: Cache, parameters: ParameterSet, gradients: inout ParameterSet) -> Tensor {
        /// [..., in]
        var dInput = Tensor.uninitialized(cache.input.shape)
        dInput.scalars.withUnsafeMutableBufferPointer { dx in
            backward(dOutput, cache: cache, parameters: parameters, gradients: &gradients, dInput: dx.baseAddress)
        }
        return dInput
    }

    /// Accumulates dWeight and dBias only (for layers that read the network input).
    public func accumulateGradients(_ dOutput: Tensor, cache: Cache, parameters: ParameterSet, gradients: inout ParameterSet) {
        backward(dOutput, cache: cache, parameters: parameters, gradients: &gradients, dInput: nil)
    }

    private func backward(
        _ dOutput: Tensor, cache: Cache, parameters: ParameterSet, gradients: inout ParameterSet,
        dInput: UnsafeMutablePointer<Float>?
    ) {
        let input = cache.input
        let rows = input.count / inputWidth
        precondition(
            dOutput.count == rows * outputWidth && dOutput.shape.last == outputWidth,
            "Linear: dOutput \(dOutput.shape) does not match input \(input.shape) → \(outputWidth)")
        guard rows > 0 else { return }
        let (cin, cout) = (inputWidth, outputWidth)
        let tasks = taskCount(rows, costPerItem: cin * cout)
        // Per task: private dWeight [in, out] and dBias [out] partial sums, added in task order.
        let perTask = cin * cout + cout
        var partials = [Float](repeating: 0, count: tasks * perTask)
        dOutput.scalars.withUnsafeBufferPointer { dy in
            input.scalars.withUnsafeBufferPointer { x in
                parameters.withScalars(weight) { w in
                    partials.withUnsafeMutableBufferPointer { partials in
                        guard let dy = dy.baseAddress, let x = x.baseAddress, let w = w.baseAddress,
                            let partials = partials.baseAddress
                        else { return }
                        parallelBLASTasks(tasks) { task in
                            let lower = rows * task / tasks, count = rows * (task + 1) / tasks - lower
                            let dw = partials + task * perTask, db = dw + cin * cout
                            let dyRows = dy + lower * cout
                            accumulateColumnSums(dyRows, rows: count, columns: cout, into: db)
                            BLAS.sgemm(
                                transposeA: true, transposeB: false, m: cin, n: cout, k: count,
                                a: x + lower * cin, lda: cin, b: dyRows, ldb: cout, beta: 1, c: dw, ldc: cout)
                            guard let dInput else { return }
                            BLAS.sgemm(
                                transposeA: false, transposeB: true, m: count, n: cin, k: cout,
                                a: dyRows, lda: cout, b: w, ldb: cout, beta: 0, c: dInput + lower * cin, ldc: cin)
                        }
                    }
                }
            }
        }
        for (index, offset, count) in [(weight, 0, cin * cout), (bias, cin * cout, cout)] {
            gradients.withMutableScalars(index) { target in
                for task in 0..<tasks {
                    for i in 0..<count { target[i] += partials[task * perTask + offset + i] }
                }
            }
        }
    }
}
