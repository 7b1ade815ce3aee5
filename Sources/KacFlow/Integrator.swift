// Fixed-step ODE integrators for dx/dt = u(x, t) (KAC.md §5), each a small value type whose
// `step` is a pure function of the state (apart from calling the velocity field). Integration
// runs in a progress variable s ∈ [0, 1] with per-sample times t_n(s) = start_n + s·(end_n −
// start_n), so dx/ds = (end_n − start_n)·u(x, t_n(s)); this one form covers sampling T → 0 and
// the distiller's per-sample sub-intervals. Invariant: a step advances progress exactly to `to`.
import TensorCore
import Vocabulary

/// Velocity of a whole batch at one common time: x [N, ...] -> [N, ...].
public typealias BatchVelocity = (_ x: Tensor, _ time: Float) -> Tensor
/// Velocity of a batch whose samples sit at different times: x [N, ...], times [N] -> [N, ...].
public typealias PerSampleVelocity = (_ x: Tensor, _ times: [Float]) -> Tensor

/// Where an integration is: the value every step consumes and returns.
public struct SamplerState: Sendable {
    /// Current point, [N, ...].
    public var x: Tensor
    /// Fraction of the interval covered: 0 at the start times, 1 at the end times.
    public var progress: Double
    /// Current per-sample times, [N].
    public var times: [Float]
    /// Steps taken (accepted steps for rk45).
    public var stepsTaken: Int
    /// Velocity-field calls so far, rejected rk45 attempts included.
    public var evaluations: Int
    /// Derivative dx/ds kept between steps, [N, ...]: AB-2 keeps the previous step's, rk45 the
    /// current point's (first-same-as-last). Nil before the first step.
    public var derivativeMemory: Tensor?
}

/// The velocity field seen in progress units, with the per-sample time map.
public struct IntervalField {
    /// t_n at s = 0 and at s = 1, [N] each.
    public let startTimes: [Float]
    public let endTimes: [Float]
    let velocity: PerSampleVelocity

    public init(startTimes: [Float], endTimes: [Float], velocity: @escaping PerSampleVelocity) {
        precondition(
            startTimes.count == endTimes.count,
            "IntervalField: \(startTimes.count) start times but \(endTimes.count) end times")
        self.startTimes = startTimes
        self.endTimes = endTimes
        self.velocity = velocity
    }

    /// t_n(s), exact at both ends.
    public func times(at progress: Double) -> [Float] {
        if progress == 0 { return startTimes }
        if progress == 1 { return endTimes }
        return zip(startTimes, endTimes).map { start, end in
            Float(Double(start) + progress * (Double(end) - Double(start)))
        }
    }

    /// dx/ds = (end_n − start_n)·u(x, t_n(s)): one call of the velocity field.
    public func derivative(_ x: Tensor, progress: Double) -> Tensor {
        var u = velocity(x, times(at: progress))
        precondition(u.shape == x.shape, "velocity field returned \(u.shape) for input \(x.shape)")
        let count = startTimes.count
        let perSample = count == 0 ? 0 : x.count / count
        u.scalars.withUnsafeMutableBufferPointer { buffer in
            for n in 0..<count {
                let span = endTimes[n] - startTimes[n]
                for j in (n * perSample)..<((n + 1) * perSample) { buffer[j] *= span }
            }
        }
        return u
    }
}

/// One fixed step from `state.progress` to `to`.
public protocol FixedStep: Sendable {
    func step(_ state: SamplerState, to progress: Double, field: IntervalField) -> SamplerState
}

/// x ← x + h·u(x, s). 1 evaluation.
public struct EulerStep: FixedStep {
    public init() {}
    public func step(_ state: SamplerState, to progress: Double, field: IntervalField) -> SamplerState {
        let h = progress - state.progress
        let d = field.derivative(state.x, progress: state.progress)
        return advanced(
            state, x: linearCombination(state.x, [(h, d)]), to: progress, field: field,
            evaluations: 1, memory: d)
    }
}

/// Predictor x̃ = x + h·u₀, then x ← x + (h/2)(u₀ + u(x̃, s + h)). 2 evaluations.
public struct HeunStep: FixedStep {
    public init() {}
    public func step(_ state: SamplerState, to progress: Double, field: IntervalField) -> SamplerState {
        let h = progress - state.progress
        let d0 = field.derivative(state.x, progress: state.progress)
        let predictor = linearCombination(state.x, [(h, d0)])
        let d1 = field.derivative(predictor, progress: progress)
        return advanced(
            state, x: linearCombination(state.x, [(h / 2, d0), (h / 2, d1)]), to: progress,
            field: field, evaluations: 2, memory: nil)
    }
}

/// x ← x + h·u(x + (h/2)·u₀, s + h/2). 2 evaluations.
public struct MidpointStep: FixedStep {
    public init() {}
    public func step(_ state: SamplerState, to progress: Double, field: IntervalField) -> SamplerState {
        let h = progress - state.progress
        let d0 = field.derivative(state.x, progress: state.progress)
        let middle = linearCombination(state.x, [(h / 2, d0)])
        let d1 = field.derivative(middle, progress: state.progress + h / 2)
        return advanced(
            state, x: linearCombination(state.x, [(h, d1)]), to: progress, field: field,
            evaluations: 2, memory: nil)
    }
}

/// Two-step Adams–Bashforth on a uniform grid: x ← x + h·(3/2·u_k − 1/2·u_{k−1}); the first
/// step (no memory yet) is Euler. 1 evaluation. The caller must keep the step size constant.
public struct AdamsBashforth2Step: FixedStep {
    public init() {}
    public func step(_ state: SamplerState, to progress: Double, field: IntervalField) -> SamplerState {
        let h = progress - state.progress
        let d = field.derivative(state.x, progress: state.progress)
        let x: Tensor
        if let previous = state.derivativeMemory {
            x = linearCombination(state.x, [(1.5 * h, d), (-0.5 * h, previous)])
        } else {
            x = linearCombination(state.x, [(h, d)])
        }
        return advanced(state, x: x, to: progress, field: field, evaluations: 1, memory: d)
    }
}

func advanced(
    _ state: SamplerState, x: Tensor, to progress: Double, field: IntervalField,
    evaluations: Int, memory: Tensor?
) -> SamplerState {
    SamplerState(
        x: x, progress: progress, times: field.times(at: progress), stepsTaken: state.stepsTaken + 1,
        evaluations: state.evaluations + evaluations, derivativeMemory: memory)
}

/// base + Σ coefficient·tensor, accumulated in Float (coefficients rounded once).
func linearCombination(_ base: Tensor, _ terms: [(Double, Tensor)]) -> Tensor {
    var result = base
    result.scalars.withUnsafeMutableBufferPointer { out in
        for (coefficient, tensor) in terms {
            precondition(tensor.shape == base.shape, "linear combination of \(base.shape) and \(tensor.shape)")
            let scale = Float(coefficient)
            tensor.scalars.withUnsafeBufferPointer { input in
                for j in 0..<out.count { out[j] += scale * input[j] }
            }
        }
    }
    return result
}
