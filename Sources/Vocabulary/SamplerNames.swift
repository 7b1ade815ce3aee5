// The words of the Kac sampler that cross module borders: integrator and schedule names, the Kac
// process parameters (a, c, T, schedule) and a sampler setting (integrator, steps, guidance).
// Raw values are the spellings of manifests, job files and command lines; the math behind them
// lives in KacFlow. Every field of `KacParameters` decodes with its default when absent, so older
// manifests and checkpoints keep loading.

/// The fixed-step and adaptive ODE integrators (KAC.md §5).
public enum Integrator: String, Codable, CaseIterable, Sendable {
    case euler, heun, midpoint, ab2, rk45

    /// Network evaluations for `steps` steps; nil for the adaptive rk45, whose cost is only
    /// known after the run.
    public func networkEvaluations(steps: Int) -> Int? {
        switch self {
        case .euler, .ab2: steps
        case .heun, .midpoint: 2 * steps
        case .rk45: nil
        }
    }
}

/// Signal schedules f(t) of the Kac path x_t = f(t)·x₀ + K(g(t)) (KAC.md §4).
public enum SignalSchedule: String, Codable, CaseIterable, Sendable {
    /// f(t) = 1 − t/T, the default.
    case linear
    /// f(t) = cos(πt / 2T).
    case cosine
    /// f(t) = e^{−t} (independent of T; not data-free at T).
    case exponential
}

/// Kac process parameters (KAC.md §2–§4): switching (damping) rate `a`, speed `c`, horizon `T`,
/// schedule f(t). Stored in model manifests and training checkpoints.
public struct KacParameters: Codable, Sendable, Equatable, Hashable {
    public var dampingRate: Double
    public var speed: Double
    /// Final time T; sampling runs from T down to 0.
    public var horizon: Double
    public var schedule: SignalSchedule

    public init(dampingRate: Double = 9, speed: Double = 3, horizon: Double = 1, schedule: SignalSchedule = .linear) {
        self.dampingRate = dampingRate
        self.speed = speed
        self.horizon = horizon
        self.schedule = schedule
    }

    private enum CodingKeys: String, CodingKey { case dampingRate, speed, horizon, schedule }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = KacParameters()
        dampingRate = try container.decodeIfPresent(Double.self, forKey: .dampingRate) ?? defaults.dampingRate
        speed = try container.decodeIfPresent(Double.self, forKey: .speed) ?? defaults.speed
        horizon = try container.decodeIfPresent(Double.self, forKey: .horizon) ?? defaults.horizon
        schedule = try container.decodeIfPresent(SignalSchedule.self, forKey: .schedule) ?? defaults.schedule
    }

    /// Largest damping rate a, speed c and horizon T a model may declare, and largest a·T: the prior
    /// draw of K(T) costs about a·T logarithms per coordinate, so a larger product would stall every
    /// render of the model. Real models use a = 9, c = 3, T = 1 (KAC.md §8).
    public static let maximumRate = 1000.0
    public static let maximumHorizon = 100.0
    public static let maximumSwitches = 10_000.0

    /// Why these parameters cannot define a Kac path (KacProcess and KacPath would stop the process
    /// on them), or nil when they can: a and c positive and finite, T positive, each within its limit.
    public var domainViolation: String? {
        for (name, value, limit) in [
            ("dampingRate", dampingRate, Self.maximumRate), ("speed", speed, Self.maximumRate),
            ("horizon", horizon, Self.maximumHorizon),
        ] where !(value > 0 && value <= limit) {
            return "\(name) is \(value); it must be a number greater than 0 and at most \(limit)"
        }
        if dampingRate * horizon > Self.maximumSwitches {
            return "dampingRate × horizon is \(dampingRate * horizon); it must be at most \(Self.maximumSwitches)"
        }
        return nil
    }
}

/// One way to sample a model: integrator, step count and classifier-free guidance scale s
/// (1 = unguided; the input s of a guidance-conditioned network). A manifest's default sampler.
public struct SamplingSettings: Codable, Sendable, Equatable, Hashable {
    public var integrator: Integrator
    public var steps: Int
    public var guidance: Double

    public init(integrator: Integrator = .euler, steps: Int, guidance: Double = 1) {
        self.integrator = integrator
        self.steps = steps
        self.guidance = guidance
    }

    /// Network evaluations per image: classifier-free guidance batches both passes into one call of
    /// 2N, which counts as two (the work doubles); a guidance-conditioned student takes s as an input
    /// in one pass. rk45 has no fixed cost: 6 per step as an estimate.
    public func estimatedNetworkEvaluations(guidanceInput: Bool = false) -> Int {
        (integrator.networkEvaluations(steps: steps) ?? 6 * steps) * (guidance == 1 || guidanceInput ? 1 : 2)
    }

    /// Manifests spell the scale `guidanceScale`.
    private enum CodingKeys: String, CodingKey { case integrator, steps, guidance = "guidanceScale" }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        integrator = try container.decode(Integrator.self, forKey: .integrator)
        steps = try container.decode(Int.self, forKey: .steps)
        guidance = try container.decodeIfPresent(Double.self, forKey: .guidance) ?? 1
    }

    /// The most sampler steps anything may ask for: the upper bound of kacd's `max-steps` setting.
    public static let maximumSteps = 100_000
    /// The largest guidance scale |s| a default may have (real models use 1–3).
    public static let maximumGuidance = 100.0

    /// Why this cannot be a model's default sampler, or nil: steps 1…`maximumSteps`, guidance finite
    /// and at most `maximumGuidance` in size.
    public var domainViolation: String? {
        if !(1...Self.maximumSteps).contains(steps) { return "steps is \(steps); it must be 1…\(Self.maximumSteps)" }
        if !(abs(guidance) <= Self.maximumGuidance) {
            return "guidanceScale is \(guidance); it must be a finite number of at most \(Self.maximumGuidance) in size"
        }
        return nil
    }
}
