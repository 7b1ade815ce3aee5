// Everything that defines a refinement run (docs/one-step-refinement.md): the method and its
// weight α, the teacher's guidance, the time window, both optimisers, the fake's warm-up, the EMA.
// It is stored in every checkpoint; a run resumes only under the same configuration (the step
// count may grow: every rate is constant, so continuing equals having asked for more steps).
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
    public var seed: UInt64 = 1

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
        try check(fakeWarmupSteps >= 0 && totalSteps >= 1, "--steps must be at least 1 and --fake-warmup at least 0")
    }

    /// Whether a checkpoint made under `self` may continue under `requested`: all equal but the step count.
    public func continues(as requested: RefinementConfiguration) -> Bool {
        var same = self
        same.totalSteps = requested.totalSteps
        return same == requested
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
        case .incompatibleNetworks(let message):
            return "the student cannot be refined against this teacher: \(message)"
        case .diverged(let step, let what):
            return "refinement diverged at step \(step) (\(what)); lower the learning rates and resume from the last checkpoint"
        case .interrupted(let step):
            return "refinement interrupted after step \(step); re-run the same command to resume"
        }
    }
}
