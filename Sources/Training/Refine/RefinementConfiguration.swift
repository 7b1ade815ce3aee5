// Everything that defines a refinement run (docs/one-step-refinement.md): the method and its
// weight α, the teacher's guidance, the time window, both optimisers, the fake's warm-up, the EMA.
// It is stored in every checkpoint; a run resumes only under the same configuration (the step
// count may grow: every rate and weight is a function of the generator step, so continuing equals
// having asked for more steps).
import Foundation
import Vocabulary

public struct RefinementConfiguration: Codable, Sendable, Equatable {
    public var method: RefinementMethod = .fgm
    /// SiD's α in L = 2⟨Δ, u_T − u_c⟩ − 2α‖Δ‖²; ½ is FGM.
    public var alpha: Double = 0.5
    /// Classifier-free guidance scale of the teacher (the product's: 1.5).
    public var teacherGuidance: Double = 1.5
    /// Guidance scale of the fake's own field, v_ψ = f(x,∅) + s_f·(f(x,y) − f(x,∅)). 1: the plain
    /// label-conditional field (the fake then starts as the teacher's unguided conditional field, not as
    /// u_T); the teacher's s: the fake starts as exactly u_T, so D starts at zero.
    public var fakeGuidance: Double = 1
    /// t ~ U[lower·T, upper·T] for both the fake's loss and the generator's.
    public var timeRange: ClosedRange<Double> = 0.05...0.9
    public var batchSize: Int = 64
    public var generatorLearningRate: Double = 2e-5
    public var fakeLearningRate: Double = 2e-5
    /// Adam β₁ of both optimisers (0: no momentum, as SiD and FGM use).
    public var adamBeta1: Double = 0
    public var gradientClipNorm: Double = 1
    /// EMA decay of the generator's weights (published weights are the EMA).
    public var emaDecay: Double = 0.9995
    /// Fake-only updates before the first generator update.
    public var fakeWarmupSteps: Int = 500
    /// FGM at α = ½: after the warm-up, the fake learns from the backward pass the generator's
    /// gradient already makes (same samples, times and Kac draws; updated after the generator's
    /// gradient is taken) instead of a pass of its own — about a fifth less work per step.
    public var sharedFakePass: Bool = true
    /// Generator updates (after the warm-up).
    public var totalSteps: Int
    /// Euler steps of the student's own sampler (its zoo defaults): the generator's sample is that
    /// S-step render, and its gradient is backpropagated through all S evaluations.
    public var studentSteps: Int = 1
    public var seed: UInt64 = 1
    /// Weight of the regression of the generator's samples onto the anchor model's endpoints from the same
    /// prior draws and labels, mean (x₀ − x̄)² per element (0: no anchor). The batches then come from the pool.
    public var anchorWeight: Double = 0
    /// Generator steps over which the anchor weight falls linearly to 0 (0: constant).
    public var anchorDecaySteps: Int = 0
    /// (prior, label, endpoint) triples in the anchor pool, made once per run by the anchor model.
    public var anchorPoolSize: Int = 0
    /// The anchor model and its sampler, e.g. "toy/teacher@1, 100 euler steps, s = 1.5" (recorded, compared on resume).
    public var anchorModel: String?
    /// Weight of the generator's non-saturating GAN loss, mean softplus(−d(x₀, y)) per sample (method adversarial).
    public var adversarialWeight: Double = 0
    /// What the discriminator sees as real: the training data, or the anchor model's pool endpoints.
    public var realSamples: RealSamples = .data
    /// γ of the tilted reals (RealTilt): training image i drawn with probability ∝ p_c(y_i | x_i)^γ within
    /// its class, p_c the run's own cross-fitted classifier (0: uniformly, as before).
    public var realTilt: Double = 0
    public var discriminatorLearningRate: Double = 1e-4
    /// γ of the R1 penalty (γ/2)·E‖∇ₓd(x_real)‖².
    public var r1Weight: Double = 1
    /// Base width of the discriminator (DiscriminatorArchitecture.width).
    public var discriminatorWidth: Int = 32
    /// Generator step from which every learning rate (generator, fake, discriminator) falls linearly,
    /// reaching 0 after `rateDecaySteps` more steps (`rateDecaySteps` 0: every rate constant).
    public var rateDecayStart: Int = 0
    public var rateDecaySteps: Int = 0

    public enum RealSamples: String, Codable, Sendable, CaseIterable {
        case data, teacher
    }

    public init(totalSteps: Int) { self.totalSteps = totalSteps }

    public func validate() throws(RefinementError) {
        func check(_ condition: Bool, _ message: String) throws(RefinementError) {
            if !condition { throw .invalidConfiguration(message) }
        }
        try check(alpha.isFinite && alpha >= 0, "--alpha must be a finite number ≥ 0, got \(alpha)")
        try check(teacherGuidance.isFinite && teacherGuidance >= 0, "--guidance must be ≥ 0, got \(teacherGuidance)")
        try check(fakeGuidance.isFinite && fakeGuidance >= 0, "--fake-guidance must be ≥ 0, got \(fakeGuidance)")
        try check(
            timeRange.lowerBound > 0 && timeRange.upperBound <= 1,
            "--time-range must lie in (0, 1] (fractions of the horizon T), got \(timeRange)")
        try check(batchSize >= 2 && batchSize % 2 == 0, "--batch-size must be even and at least 2, got \(batchSize)")
        try check(
            generatorLearningRate > 0 && fakeLearningRate > 0, "learning rates must be positive")
        try check((0..<1).contains(adamBeta1), "--adam-beta1 must lie in [0, 1), got \(adamBeta1)")
        try check(gradientClipNorm > 0, "--clip must be positive")
        try check((0..<1).contains(emaDecay), "--ema must lie in [0, 1), got \(emaDecay)")
        try check(studentSteps >= 1, "the student's sampler must take at least 1 step, got \(studentSteps)")
        try check(fakeWarmupSteps >= 0 && totalSteps >= 1, "--steps must be at least 1 and --fake-warmup at least 0")
        try check(anchorWeight.isFinite && anchorWeight >= 0 && anchorDecaySteps >= 0, "--anchor-weight and --anchor-decay must be ≥ 0")
        try check(anchorWeight == 0 || anchorPoolSize >= batchSize, "--anchor-pool must hold at least one batch (\(batchSize)), got \(anchorPoolSize)")
        try check(method != .anchor || anchorWeight > 0, "--method anchor needs --anchor-weight > 0")
        try check(
            (method == .adversarial) == (adversarialWeight > 0),
            "--adversarial-weight > 0 goes with --method adversarial and only with it (got \(adversarialWeight) for \(method.rawValue))")
        try check(
            method != .adversarial || realSamples == .data || anchorPoolSize >= batchSize,
            "--real teacher needs an anchor pool of at least one batch (--anchor-pool)")
        try check(realTilt.isFinite && realTilt >= 0, "--real-tilt must be a finite number ≥ 0, got \(realTilt)")
        try check(
            realTilt == 0 || (method == .adversarial && realSamples == .data),
            "--real-tilt weights the training images the discriminator sees: it needs --method adversarial with --real data")
        try check(rateDecayStart >= 0 && rateDecaySteps >= 0, "--rate-decay-from and --rate-decay must be ≥ 0")
        try check(
            rateDecayStart == 0 || rateDecaySteps > 0,
            "--rate-decay-from \(rateDecayStart) needs --rate-decay N, the steps over which the rates fall to 0")
        try check(discriminatorLearningRate > 0 && r1Weight >= 0 && discriminatorWidth >= 1, "--discriminator-learning-rate and --discriminator-width must be positive, --r1 ≥ 0")
    }

    /// Whether the run makes an anchor pool (for the anchor term or as the discriminator's real samples).
    public var needsAnchorPool: Bool { anchorWeight > 0 || (method == .adversarial && realSamples == .teacher) }

    /// The anchor weight at generator step `step` (linear decay to 0 over `anchorDecaySteps`).
    public func anchorWeight(atStep step: Int) -> Double {
        guard anchorDecaySteps > 0 else { return anchorWeight }
        return anchorWeight * max(0, 1 - Double(step) / Double(anchorDecaySteps))
    }

    /// The factor on every learning rate for the update that makes generator step `step + 1`: 1 before
    /// `rateDecayStart`, then falling linearly to 0 over `rateDecaySteps` (the critic's warm-up, at step
    /// 0, runs at the full rate unless the decay starts at 0).
    public func rateFactor(atStep step: Int) -> Double {
        guard rateDecaySteps > 0 else { return 1 }
        return max(0, 1 - Double(max(0, step - rateDecayStart)) / Double(rateDecaySteps))
    }

    /// Whether a checkpoint made under `self` may continue under `requested`: all equal but the step count.
    public func continues(as requested: RefinementConfiguration) -> Bool {
        var same = self
        same.totalSteps = requested.totalSteps
        return same == requested
    }
}

extension RefinementConfiguration {
    /// Checkpoints written before an option existed (the anchor, the adversarial term, several student
    /// steps) decode with its default, so they resume unchanged.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(totalSteps: try c.decode(Int.self, forKey: .totalSteps))
        func read<T: Decodable>(_ key: CodingKeys, _ value: inout T) throws {
            if let decoded = try c.decodeIfPresent(T.self, forKey: key) { value = decoded }
        }
        try read(.method, &method)
        try read(.alpha, &alpha)
        try read(.teacherGuidance, &teacherGuidance)
        try read(.fakeGuidance, &fakeGuidance)
        try read(.timeRange, &timeRange)
        try read(.batchSize, &batchSize)
        try read(.generatorLearningRate, &generatorLearningRate)
        try read(.fakeLearningRate, &fakeLearningRate)
        try read(.adamBeta1, &adamBeta1)
        try read(.gradientClipNorm, &gradientClipNorm)
        try read(.emaDecay, &emaDecay)
        try read(.fakeWarmupSteps, &fakeWarmupSteps)
        try read(.sharedFakePass, &sharedFakePass)
        try read(.studentSteps, &studentSteps)
        try read(.seed, &seed)
        try read(.anchorWeight, &anchorWeight)
        try read(.anchorDecaySteps, &anchorDecaySteps)
        try read(.anchorPoolSize, &anchorPoolSize)
        anchorModel = try c.decodeIfPresent(String.self, forKey: .anchorModel)
        try read(.adversarialWeight, &adversarialWeight)
        try read(.realSamples, &realSamples)
        try read(.realTilt, &realTilt)
        try read(.discriminatorLearningRate, &discriminatorLearningRate)
        try read(.r1Weight, &r1Weight)
        try read(.discriminatorWidth, &discriminatorWidth)
        try read(.rateDecayStart, &rateDecayStart)
        try read(.rateDecaySteps, &rateDecaySteps)
    }
}

/// Where the networks of a run came from, recorded in its checkpoint and in published manifests.
public struct RefinementSources: Codable, Sendable, Equatable {
    /// "fashion-mnist/student-1@3" and its blob digest.
    public var student: String
    public var studentBlob: String?
    public var teacher: String
    public var teacherBlob: String?
    /// The command line that started (or last resumed) the run.
    public var command: String

    public init(student: String, studentBlob: String?, teacher: String, teacherBlob: String?, command: String) {
        (self.student, self.studentBlob, self.teacher, self.teacherBlob, self.command) =
            (student, studentBlob, teacher, teacherBlob, command)
    }

    /// Same networks (the command may differ between a start and a resume).
    public func sameNetworks(as other: RefinementSources) -> Bool {
        studentBlob == other.studentBlob && teacherBlob == other.teacherBlob && student == other.student
    }
}

public enum RefinementError: Error, CustomStringConvertible, Equatable {
    case invalidConfiguration(String)
    case runMismatch(path: String, reason: String)
    case corruptCheckpoint(path: String, reason: Reason)
    /// RUN/best.safetensors (or a snapshot) that cannot be read back.
    case corruptKeptWeights(path: String, reason: Reason)
    case incompatibleNetworks(String)
    case diverged(step: Int, what: String)
    case interrupted(step: Int)

    public var description: String {
        switch self {
        case .invalidConfiguration(let message): return message
        case .runMismatch(let path, let reason):
            return
                "\(path) belongs to another refinement (\(reason)); re-run with the options it was started with (`kac refine --run DIR` prints them), or choose a new --run directory"
        case .corruptCheckpoint(let path, let reason):
            return "\(path) is not a usable refinement checkpoint (\(reason)); restore a copy (e.g. the zstd one kept in the repository) or start a new --run"
        case .corruptKeptWeights(let path, let reason):
            return "\(path) is not usable kept weights (\(reason)); move it aside (the run then keeps the next best from its next evaluation) or restore a copy"
        case .incompatibleNetworks(let message):
            return "the student cannot be refined against this teacher: \(message)"
        case .diverged(let step, let what):
            return "refinement diverged at step \(step) (\(what)); lower the learning rates and resume from the last checkpoint"
        case .interrupted(let step):
            return "refinement interrupted after step \(step); re-run the same command to resume"
        }
    }
}
