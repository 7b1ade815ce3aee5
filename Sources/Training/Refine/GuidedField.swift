// A class-conditional velocity network seen as one differentiable field of its input under
// classifier-free guidance, u_s = u(x,∅) + s·(u(x,y) − u(x,∅)) (KAC.md §6): its value, the
// vector–Jacobian product Jᵀw = (1−s)·J_∅ᵀw + s·J_yᵀw, and — for a field being trained — the
// parameter gradients of the same loss. Refinement uses it for the frozen guided teacher and for the
// fake network, which may be guided too (it then starts out as exactly the teacher's guided field).
// Invariant: with two passes the network sees conditional and null rows interleaved ([x₀, x₀, x₁, …]),
// so each of its micro-batches (an even number of rows from an even row) holds whole pairs.
import KacFlow
import NeuralNet
import TensorCore

public struct GuidedField {
    public let network: any VelocityNetwork
    /// The null label (the architecture's class count).
    public let nullLabel: Int
    /// s; 1 is unguided (one pass), a guidance-input network takes s as input (one pass).
    public let guidance: Float

    public init(network: any VelocityNetwork, nullLabel: Int, guidance: Float) {
        self.network = network
        self.nullLabel = nullLabel
        self.guidance = guidance
    }

    private var singlePass: Bool { guidance == 1 || network.hasGuidanceInput }

    /// u_s(x) and Jᵀ·w, where `weight(rows, u_s)` gives w for rows of the batch from u_s on them
    /// (the network's parameter gradients are computed and dropped).
    public func vectorJacobian(
        _ x: Tensor, times: [Float], labels: [Int], weight: (_ rows: Range<Int>, _ velocity: Tensor) -> Tensor
    ) -> (velocity: Tensor, inputGradient: Tensor) {
        var scratch = network.parameters.zeros()
        return vectorJacobian(x, times: times, labels: labels, gradients: &scratch, weight: weight)
    }

    /// The same, with the parameter gradients of ⟨w, u_s⟩ accumulated into `gradients`.
    public func vectorJacobian(
        _ x: Tensor, times: [Float], labels: [Int], gradients: inout ParameterSet,
        weight: (_ rows: Range<Int>, _ velocity: Tensor) -> Tensor
    ) -> (velocity: Tensor, inputGradient: Tensor) {
        func run(_ x: Tensor, _ times: [Float], _ labels: [Int], _ scales: [Float]?, _ cotangent: (Range<Int>, Tensor) -> Tensor)
            -> (output: Tensor, inputGradient: Tensor)
        {
            network.backpropagate(x, times: times, labels: labels, guidance: scales, gradients: &gradients, cotangent: cotangent)
        }
        let count = x.shape[0]
        if singlePass {
            let scales = network.hasGuidanceInput ? Array(repeating: guidance, count: count) : nil
            let result = run(x, times, labels, scales, weight)
            return (result.output, result.inputGradient)
        }
        let perSample = x.count / max(count, 1)
        var doubled = [Float](repeating: 0, count: 2 * x.count)
        for n in 0..<count {
            let row = x.scalars[(n * perSample)..<((n + 1) * perSample)]
            doubled.replaceSubrange((2 * n * perSample)..<((2 * n + 1) * perSample), with: row)
            doubled.replaceSubrange(((2 * n + 1) * perSample)..<((2 * n + 2) * perSample), with: row)
        }
        var velocity = Tensor(shape: x.shape, repeating: 0)
        let s = guidance
        let (_, dDoubled) = run(
            Tensor(shape: [2 * count] + x.shape.dropFirst(), scalars: doubled),
            times.flatMap { [$0, $0] }, labels.flatMap { [$0, nullLabel] }, nil
        ) { rows, output in
            precondition(rows.lowerBound % 2 == 0 && rows.count % 2 == 0, "GuidedField: a part split a conditional/null pair")
            let samples = (rows.lowerBound / 2)..<(rows.upperBound / 2)
            var guided = [Float](repeating: 0, count: samples.count * perSample)
            for p in 0..<samples.count {
                for j in 0..<perSample {
                    let conditional = output.scalars[2 * p * perSample + j], null = output.scalars[(2 * p + 1) * perSample + j]
                    guided[p * perSample + j] = null + s * (conditional - null)
                }
            }
            let part = Tensor(shape: [samples.count] + x.shape.dropFirst(), scalars: guided)
            velocity.scalars.replaceSubrange((samples.lowerBound * perSample)..<(samples.upperBound * perSample), with: guided)
            let w = weight(samples, part)
            var cotangent = [Float](repeating: 0, count: output.count)
            for p in 0..<samples.count {
                for j in 0..<perSample {
                    let value = w.scalars[p * perSample + j]
                    cotangent[2 * p * perSample + j] = s * value
                    cotangent[(2 * p + 1) * perSample + j] = (1 - s) * value
                }
            }
            return Tensor(shape: output.shape, scalars: cotangent)
        }
        var gradient = Tensor(shape: x.shape, repeating: 0)
        for n in 0..<count {
            for j in 0..<perSample {
                gradient.scalars[n * perSample + j] =
                    dDoubled.scalars[2 * n * perSample + j] + dDoubled.scalars[(2 * n + 1) * perSample + j]
            }
        }
        return (velocity, gradient)
    }

    /// u_s(x) without gradients (the sampling pass: no caches).
    public func velocity(_ x: Tensor, times: [Float], labels: [Int]) -> Tensor {
        if singlePass {
            let scales = network.hasGuidanceInput ? Array(repeating: guidance, count: x.shape[0]) : nil
            return network.velocity(x, times: times, labels: labels, guidance: scales)
        }
        let network = self.network
        let field = ClassifierFreeGuidance.velocity(
            conditional: { network.velocity($0, times: $1, labels: $2) }, labels: labels,
            scales: Array(repeating: guidance, count: labels.count), nullLabel: nullLabel)
        return field(x, times)
    }

    /// Mean squared error of u_s against `target` and its parameter gradients (the fake's regression).
    public func regression(_ x: Tensor, times: [Float], labels: [Int], target: Tensor) -> (loss: Float, gradients: ParameterSet) {
        var gradients = network.parameters.zeros()
        var squares = 0.0
        let scale = 2 / Float(x.count)
        let perSample = x.count / max(x.shape[0], 1)
        _ = vectorJacobian(x, times: times, labels: labels, gradients: &gradients) { rows, v in
            var w = v
            for k in 0..<v.count {
                let difference = v.scalars[k] - target.scalars[rows.lowerBound * perSample + k]
                squares += Double(difference * difference)
                w.scalars[k] = scale * difference
            }
            return w
        }
        return (Float(squares / Double(x.count)), gradients)
    }
}
