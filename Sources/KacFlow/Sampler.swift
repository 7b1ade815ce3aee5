// Driving an integrator over a whole interval (KAC.md §5). `Trajectory` is a Sequence of states,
// one per (accepted) step, so the CLI, the daemon and the distiller share one loop and can report
// progress; `integrate` runs it to the end. Sampling is the interval T → 0 with every sample at
// the same time; distillation uses per-sample sub-intervals [t_k → t_{k+1}].
// Invariant: the last state has progress exactly 1, i.e. times exactly equal to the end times.
import TensorCore
import Vocabulary

/// The end of an integration.
public struct SamplerResult: Sendable {
    /// Final point, [N, ...].
    public var sample: Tensor
    /// Velocity-field calls (a guided field batching both passes counts once per call).
    public var networkEvaluations: Int
    /// Steps taken (accepted steps for rk45).
    public var steps: Int
}

public struct Sampler: Sendable {
    public var integrator: Integrator
    /// Fixed-step integrators: the number of uniform steps. rk45: the initial step is 1/steps.
    public var steps: Int
    /// rk45 only.
    public var tolerance: AdaptiveTolerance

    public init(integrator: Integrator = .euler, steps: Int, tolerance: AdaptiveTolerance = AdaptiveTolerance()) {
        precondition(steps >= 1, "Sampler needs at least one step, got \(steps)")
        self.integrator = integrator
        self.steps = steps
        self.tolerance = tolerance
    }

    /// Steps of x from `startTimes` to `endTimes` (per sample, [N] each) under a per-sample field.
    public func trajectory(
        from start: Tensor, startTimes: [Float], endTimes: [Float],
        velocity: @escaping PerSampleVelocity
    ) -> Trajectory {
        precondition(
            start.rank >= 1 && start.shape[0] == startTimes.count,
            "Sampler: x \(start.shape) needs one start time per sample, got \(startTimes.count)")
        let field = IntervalField(startTimes: startTimes, endTimes: endTimes, velocity: velocity)
        return Trajectory(sampler: self, field: field, start: start)
    }

    /// Sampling: from prior samples at t = `horizon` down to t = 0, all samples at one time.
    public func trajectory(from prior: Tensor, horizon: Float = 1, velocity: @escaping BatchVelocity) -> Trajectory {
        let count = prior.rank >= 1 ? prior.shape[0] : 0
        // Start and end times are shared, so t_n(s) is the same for every n.
        return trajectory(
            from: prior, startTimes: Array(repeating: horizon, count: count),
            endTimes: Array(repeating: 0, count: count),
            velocity: { x, times in velocity(x, times.first ?? 0) })
    }

    public func integrate(
        from start: Tensor, startTimes: [Float], endTimes: [Float],
        velocity: @escaping PerSampleVelocity
    ) -> SamplerResult {
        Self.finish(trajectory(from: start, startTimes: startTimes, endTimes: endTimes, velocity: velocity), start)
    }

    public func integrate(from prior: Tensor, horizon: Float = 1, velocity: @escaping BatchVelocity) -> SamplerResult {
        Self.finish(trajectory(from: prior, horizon: horizon, velocity: velocity), prior)
    }

    private static func finish(_ trajectory: Trajectory, _ start: Tensor) -> SamplerResult {
        var last: SamplerState?
        for state in trajectory { last = state }
        guard let last else { return SamplerResult(sample: start, networkEvaluations: 0, steps: 0) }
        return SamplerResult(sample: last.x, networkEvaluations: last.evaluations, steps: last.stepsTaken)
    }
}

/// The states after each step of one integration; finite (ends at progress 1).
public struct Trajectory: Sequence, IteratorProtocol {
    public let field: IntervalField
    public let sampler: Sampler
    /// The state before the next step.
    public private(set) var current: SamplerState
    private var adaptiveStep: Double
    private var rejectedEvaluations = 0

    /// rk45 steps below this progress fraction are accepted whatever their error, so a field
    /// with a discontinuity (the light-cone clamp) cannot stall the integration.
    public static let minimumAdaptiveStep = 1e-6

    init(sampler: Sampler, field: IntervalField, start: Tensor) {
        self.sampler = sampler
        self.field = field
        self.current = SamplerState(
            x: start, progress: 0, times: field.startTimes, stepsTaken: 0,
            evaluations: 0, derivativeMemory: nil)
        self.adaptiveStep = 1 / Double(sampler.steps)
    }

    public mutating func next() -> SamplerState? {
        guard current.progress < 1 else { return nil }
        switch sampler.integrator {
        case .euler: current = EulerStep().step(current, to: nextGridPoint(), field: field)
        case .heun: current = HeunStep().step(current, to: nextGridPoint(), field: field)
        case .midpoint: current = MidpointStep().step(current, to: nextGridPoint(), field: field)
        case .ab2: current = AdamsBashforth2Step().step(current, to: nextGridPoint(), field: field)
        case .rk45: current = nextAdaptive()
        }
        return current
    }

    /// Grid point k+1 of a uniform grid, computed from k (no accumulated round-off; 1 exactly).
    private func nextGridPoint() -> Double {
        let k = current.stepsTaken + 1
        return k >= sampler.steps ? 1 : Double(k) / Double(sampler.steps)
    }

    private mutating func nextAdaptive() -> SamplerState {
        let stepper = DormandPrinceStep(tolerance: sampler.tolerance)
        while true {
            let h = Swift.min(adaptiveStep, 1 - current.progress)
            // Snap to the end rather than leave a sliver of a step.
            let target = current.progress + h >= 1 - 1e-12 ? 1 : current.progress + h
            var attempt = stepper.attempt(current, to: target, field: field)
            let factor = DormandPrinceStep.stepFactor(error: attempt.error)
            if attempt.error <= 1 || h <= Self.minimumAdaptiveStep {
                adaptiveStep = Swift.max(h * factor, Self.minimumAdaptiveStep)
                attempt.state.evaluations += rejectedEvaluations
                rejectedEvaluations = 0
                return attempt.state
            }
            // Rejected: its evaluations still count; the derivative at `current` is kept.
            rejectedEvaluations += attempt.state.evaluations - current.evaluations
            current.derivativeMemory = attempt.firstDerivative
            adaptiveStep = Swift.max(h * Swift.min(factor, 0.9), Self.minimumAdaptiveStep)
        }
    }
}
