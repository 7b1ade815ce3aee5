// The generator's sample in a refinement run: the student's own S-step Euler render from the prior,
// made by KacFlow's `Sampler` on exactly the grid the product renders that student with, keeping each
// step's input x_k and time t_k so the parameter gradient of a loss on the endpoint can be taken
// through all S network evaluations (docs/one-step-refinement.md, "Students of several steps").
//
// Forward (Euler, x₀ the prior at t = T, x_S the sample):  x_{k+1} = x_k + Δ_k·u_θ(x_k, t_k, y),
// Δ_k = (s_{k+1} − s_k)·(0 − T) < 0, s the sampler's progress grid, so Σ Δ_k = −T.
// Backward, g_k = dL/dx_k, given g_S:  g_k = g_{k+1} + J_x(x_k)ᵀ·(Δ_k·g_{k+1}),
// dL/dθ = Σ_k J_θ(x_k)ᵀ·(Δ_k·g_{k+1}); both from one `backpropagate` per step, in reverse order.
// S = 1 is the one-jump sample x₁ = z − T·u_θ(z, T, y) bit for bit (the Euler step with h = 1).
import Foundation
import KacFlow
import NeuralNet
import TensorCore

public struct StudentRender {
    /// x_k before step k, k = 0 ..< S; [N, ...] each (inputs[0] is the prior).
    public let inputs: [Tensor]
    /// t_k of step k (the same for every sample).
    public let times: [Float]
    /// Δ_k of step k: the factor the Euler step multiplies u_θ(x_k, t_k) by (negative; sums to −T).
    public let increments: [Float]
    /// x_S, the render, [N, ...].
    public let sample: Tensor
    public let labels: [Int]

    public var steps: Int { inputs.count }

    /// The S-step Euler render of `network` from `prior` (at t = `horizon`) to t = 0 with class `labels`.
    public static func render(
        _ network: any VelocityNetwork, prior: Tensor, labels: [Int], horizon: Float, steps: Int
    ) -> StudentRender {
        precondition(prior.rank >= 1 && prior.shape[0] == labels.count, "StudentRender: prior \(prior.shape) for \(labels.count) labels")
        let sampler = Sampler(integrator: .euler, steps: steps)
        var trajectory = sampler.trajectory(from: prior, horizon: horizon) { x, time in
            network.velocity(x, times: [Float](repeating: time, count: labels.count), labels: labels, guidance: nil)
        }
        var inputs: [Tensor] = [], times: [Float] = [], increments: [Float] = []
        var before = trajectory.current
        let span = trajectory.field.endTimes.first.map { end in end - (trajectory.field.startTimes.first ?? end) } ?? -horizon
        while let after = trajectory.next() {
            inputs.append(before.x)
            times.append(before.times.first ?? horizon)
            // The Euler step's own factor: Float(h) times the field's span (IntervalField.derivative).
            increments.append(Float(after.progress - before.progress) * span)
            before = after
        }
        return StudentRender(inputs: inputs, times: times, increments: increments, sample: before.x, labels: labels)
    }

    /// dL/dθ for a loss L on the render whose gradient at the sample is `dSample` = dL/dx_S (same shape),
    /// by backpropagation through the S steps in reverse. The network must hold the weights that rendered.
    public func parameterGradients(_ network: any VelocityNetwork, dSample: Tensor) -> ParameterSet {
        precondition(dSample.shape == sample.shape, "StudentRender: dL/dx \(dSample.shape) for a sample \(sample.shape)")
        var gradients = network.parameters.zeros()
        var g = dSample  // g_{k+1} = dL/dx_{k+1}
        for k in stride(from: steps - 1, through: 0, by: -1) {
            var cotangent = g  // dL/du_k = Δ_k·g_{k+1}
            let increment = increments[k]
            cotangent.scalars.withUnsafeMutableBufferPointer { buffer in
                for i in 0..<buffer.count { buffer[i] *= increment }
            }
            let times = [Float](repeating: self.times[k], count: labels.count)
            let (_, dInput) = network.backpropagate(
                inputs[k], times: times, labels: labels, guidance: nil, gradients: &gradients,
                cotangent: { rows, _ in cotangent.rows(rows) })
            if k == 0 { break }  // dL/d(prior) is not needed
            g.scalars.withUnsafeMutableBufferPointer { buffer in
                dInput.scalars.withUnsafeBufferPointer { input in
                    for i in 0..<buffer.count { buffer[i] += input[i] }
                }
            }
        }
        return gradients
    }
}
