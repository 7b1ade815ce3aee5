// The frozen teacher of a distillation stage: a network (EMA weights, never updated), its Kac path,
// and how it is integrated over one student interval [t_k → t_{k+1}] (N sub-steps, Euler or AB-2,
// classifier-free guidance evaluated as one batched pass of 2N, or s given to a guidance-conditioned
// teacher). No gradients flow through it: only `VelocityNetwork.velocity` is ever called.
import Generation
import KacFlow
import NeuralNet
import TensorCore

public struct DistillationTeacher {
    public let network: any VelocityNetwork
    public let architecture: NetworkArchitecture
    public let path: KacPath.Configuration

    public init(network: any VelocityNetwork, architecture: NetworkArchitecture, path: KacPath.Configuration) {
        self.network = network
        self.architecture = architecture
        self.path = path
    }

    var generator: Generator { Generator(network: network, architecture: architecture, path: path) }

    /// The endpoints x̄ of the teacher's integration from t_{k_n} to t_{k_n + 1} of the stage's
    /// student grid, for every sample n of `start` ([N, ...]), with labels [N] and interval indices [N].
    /// `guidance`: [N] per-sample scales, given exactly when the stage has a guidance range; without
    /// it every sample is guided at `stage.teacherGuidance`.
    public func endpoints(
        from start: Tensor, intervals: [Int], labels: [Int], guidance: [Float]? = nil,
        stage: DistillationStage
    ) -> Tensor {
        precondition(
            start.rank >= 1 && start.shape[0] == intervals.count && intervals.count == labels.count,
            "DistillationTeacher: x \(start.shape), \(intervals.count) intervals, \(labels.count) labels must agree")
        precondition(
            (guidance != nil) == (stage.guidanceRange != nil),
            "DistillationTeacher: per-sample guidance is given exactly for a stage with a guidance range")
        let horizon = path.horizon
        let startTimes = intervals.map { stage.gridTime($0, horizon: horizon) }
        let endTimes = intervals.map { stage.gridTime($0 + 1, horizon: horizon) }
        let scales = guidance ?? Array(repeating: Float(stage.teacherGuidance), count: labels.count)
        let field = generator.field(labels: labels, guidance: scales)
        let sampler = Sampler(integrator: stage.teacherIntegrator, steps: stage.substeps)
        return sampler.integrate(from: start, startTimes: startTimes, endTimes: endTimes, velocity: field).sample
    }

}

/// The regression target that turns the student's single Euler step into the teacher's endpoint:
/// x̂ = x − Δ·u_S(x, t_k) = x̄  ⇔  u_S = (x − x̄)/Δ. MSE on this velocity is the endpoint loss
/// ‖x̂ − x̄‖² divided by Δ², a constant factor Adam is invariant to.
func endpointVelocityTarget(start: Tensor, endpoint: Tensor, interval: Float) -> Tensor {
    precondition(start.shape == endpoint.shape, "endpoint target: start \(start.shape) vs endpoint \(endpoint.shape)")
    precondition(interval > 0, "endpoint target: the interval length must be positive, got \(interval)")
    var target = start
    let inverse = 1 / interval
    target.scalars.withUnsafeMutableBufferPointer { out in
        endpoint.scalars.withUnsafeBufferPointer { end in
            for j in 0..<out.count { out[j] = (out[j] - end[j]) * inverse }
        }
    }
    return target
}
