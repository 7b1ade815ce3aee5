// What a multi-stage endpoint distillation (KAC.md §7) is made of: the step schedule
// (100 → 20 → 4 → 2 → 1), where interval start points come from, how the teacher is integrated,
// the guidance (one scale baked in, or a range of scales the students take as an input) and the
// optimiser budget of every stage. Stored as RUN/distillation.json; a run directory only resumes
// under the configuration that started it.
import Foundation
import Generation
import KacFlow
import TensorCore
import Vocabulary

/// Where the start point x_{t_k} of a distillation interval comes from.
public enum DistillationStart: String, Codable, Sendable, CaseIterable {
    /// Forward-noised data f(t_k)·x₀ + K(g(t_k)); the teacher is integrated over [t_k, t_{k+1}]
    /// inside every training step.
    case forward
    /// Points of teacher trajectories started at the prior, precomputed once per stage into a pool
    /// (its next grid point is the endpoint target, so training steps cost no teacher passes).
    case trajectory
}

/// Whose trajectories a stage's endpoint targets come from (trajectory starts only).
public enum DistillationTargets: String, Codable, Sendable, CaseIterable {
    /// The paper's chain: each stage's teacher is the previous stage's student, so stage k learns
    /// student k−1's endpoints (errors can compound along the chain).
    case chain
    /// Every stage learns the base teacher's endpoints: the first stage's pool (base-teacher
    /// trajectories on the first student's grid) is reused by every later stage on its coarser
    /// sub-grid, so no stage inherits an earlier student's error. Needs every student step count to
    /// divide the first one's; students still start from the previous stage's weights.
    case base
}

public struct DistillationConfiguration: Codable, Sendable, Equatable {
    /// Step counts, base teacher first: [100, 20, 4, 2, 1] is four stages 100→20, 20→4, 4→2, 2→1.
    public var stepSchedule: [Int]
    public var start: DistillationStart
    /// Sub-step integrator of the base teacher. Students acting as teachers always take Euler
    /// steps: that is the sampler they were distilled for.
    public var teacherIntegrator: Integrator
    /// Teacher sub-steps per student interval; nil = teacher steps / student steps (rounded up),
    /// i.e. the teacher runs on its own grid.
    public var substeps: Int?
    /// Without `guidanceRange`: the guidance scale s of the base teacher, baked into every student
    /// (students sample at s = 1). With it: the students' default scale (their published sampler
    /// default), which must lie in the range.
    public var guidance: Double
    /// Guidance-conditioned students (one checkpoint for every scale): the students take s as an
    /// input, every training sample draws its own s uniformly in this range, and its target is the
    /// teacher guided at that s (classifier-free guidance of the base teacher; later teachers are
    /// guidance-conditioned students and are given s). nil: `guidance` is baked in.
    public var guidanceRange: ClosedRange<Double>?
    /// Optimiser and budget of every stage: `totalSteps` is the steps per stage, and
    /// `labelDropout` the fraction of samples distilled with the null label. With guidance baked
    /// in, the teacher's field at ∅ is its unconditional field, so those samples keep the
    /// student's unconditional (null-label) sampling working.
    public var training: FlowTrainingConfiguration
    /// Steps of each stage when they differ (e.g. more for a first stage that changes the
    /// architecture); nil = `training.totalSteps` for every stage.
    public var stageTrainingSteps: [Int]?
    /// Trajectories per stage in the pool (trajectory starts only); each yields one pair per interval.
    public var trajectoryPoolSize: Int
    /// A student architecture different from the teacher's (e.g. narrower), used from the first
    /// stage on; nil keeps the teacher's. See `StudentInitialization`.
    public var studentArchitecture: NetworkArchitecture?
    public var studentInitialization: StudentInitialization
    public var seed: UInt64
    /// Where later stages' targets come from; nil (older run records) = `.chain`.
    public var targets: DistillationTargets?

    public init(
        stepSchedule: [Int] = [100, 20, 4, 2, 1], start: DistillationStart = .forward,
        teacherIntegrator: Integrator = .euler, substeps: Int? = nil, guidance: Double = 1,
        guidanceRange: ClosedRange<Double>? = nil, training: FlowTrainingConfiguration,
        stageTrainingSteps: [Int]? = nil, trajectoryPoolSize: Int = 4096,
        studentArchitecture: NetworkArchitecture? = nil,
        studentInitialization: StudentInitialization = .leadingSlice, seed: UInt64 = 1,
        targets: DistillationTargets? = nil
    ) {
        self.stepSchedule = stepSchedule
        self.start = start
        self.teacherIntegrator = teacherIntegrator
        self.substeps = substeps
        self.guidance = guidance
        self.guidanceRange = guidanceRange
        self.training = training
        self.stageTrainingSteps = stageTrainingSteps
        self.trajectoryPoolSize = trajectoryPoolSize
        self.studentArchitecture = studentArchitecture
        self.studentInitialization = studentInitialization
        self.seed = seed
        self.targets = targets == .chain ? nil : targets
    }

    /// `.chain` unless the run asked for base-teacher targets.
    public var targetSource: DistillationTargets { targets ?? .chain }

    /// Checks the schedule and options; the message says which option to change.
    public func validate() throws(DistillationError) {
        guard stepSchedule.count >= 2 else {
            throw .invalidConfiguration("--stages needs the teacher's steps and at least one student step count, e.g. 100,20,4,2,1")
        }
        guard stepSchedule.allSatisfy({ $0 >= 1 }), zip(stepSchedule, stepSchedule.dropFirst()).allSatisfy({ $0 > $1 }) else {
            throw .invalidConfiguration("--stages must be strictly decreasing positive step counts, got \(stepSchedule)")
        }
        guard (substeps ?? 1) >= 1 else { throw .invalidConfiguration("--substeps must be at least 1") }
        guard [.euler, .ab2].contains(teacherIntegrator) else {
            throw .invalidConfiguration("--teacher-integrator must be euler or ab2 (one network pass per sub-step)")
        }
        guard guidance.isFinite, guidance >= 0 else { throw .invalidConfiguration("--guidance must be ≥ 0, got \(guidance)") }
        if let range = guidanceRange {
            guard range.lowerBound.isFinite, range.upperBound.isFinite, range.lowerBound >= 0 else {
                throw .invalidConfiguration("--guidance-range must be two finite scales ≥ 0, got \(range)")
            }
            guard range.contains(guidance) else {
                throw .invalidConfiguration(
                    "--guidance \(guidance) (the students' default scale) must lie in --guidance-range \(range.lowerBound),\(range.upperBound)"
                )
            }
        }
        guard training.totalSteps >= 1, training.batchSize >= 1 else {
            throw .invalidConfiguration("--steps-per-stage and --batch-size must be positive")
        }
        if let stageTrainingSteps {
            guard stageTrainingSteps.count == stepSchedule.count - 1, stageTrainingSteps.allSatisfy({ $0 >= 1 }) else {
                throw .invalidConfiguration(
                    "--steps-per-stage takes one count or one positive count per stage (\(stepSchedule.count - 1) here), got \(stageTrainingSteps)"
                )
            }
        }
        guard (0...1).contains(training.labelDropout) else {
            throw .invalidConfiguration("--null-label-fraction must be in [0, 1], got \(training.labelDropout)")
        }
        if targetSource == .base {
            guard start == .trajectory else {
                throw .invalidConfiguration("--targets base reuses the first stage's trajectory pool; it needs --start trajectory")
            }
            let first = stepSchedule[1]
            guard stepSchedule.dropFirst(2).allSatisfy({ first % $0 == 0 }) else {
                throw .invalidConfiguration(
                    "--targets base needs every student step count to divide the first student's (\(first)), got \(stepSchedule)")
            }
        }
        if start == .trajectory, trajectoryPoolSize * (stepSchedule.dropFirst().min() ?? 1) < training.batchSize {
            throw .invalidConfiguration(
                "--pool \(trajectoryPoolSize) gives fewer start points than one batch; raise --pool or lower --batch-size")
        }
    }

    /// Whether this configuration only raises stages' step counts over `earlier`'s (a finished or
    /// running run given more steps): everything else equal and the learning rate constant, so a
    /// stage's first steps are the same under both and its checkpoint can simply continue.
    public func extends(_ earlier: DistillationConfiguration) -> Bool {
        guard training.finalLearningRateFraction == 1, earlier.training.finalLearningRateFraction == 1 else { return false }
        let longer = zip(stages, earlier.stages).allSatisfy { trainingSteps(of: $0) >= earlier.trainingSteps(of: $1) }
        var same = earlier
        same.training.totalSteps = training.totalSteps
        same.stageTrainingSteps = stageTrainingSteps
        return longer && same == self
    }

    /// The scale students are sampled at by default: 1 when guidance is baked in, else `guidance`.
    public var studentGuidance: Double { guidanceRange == nil ? 1 : guidance }

    /// Optimisation steps of `stage`.
    public func trainingSteps(of stage: DistillationStage) -> Int {
        stageTrainingSteps?[stage.index] ?? training.totalSteps
    }

    /// The stages in order.
    public var stages: [DistillationStage] {
        zip(stepSchedule, stepSchedule.dropFirst()).enumerated().map { index, pair in
            let (teacherSteps, studentSteps) = pair
            return DistillationStage(
                index: index, teacherSteps: teacherSteps, studentSteps: studentSteps,
                substeps: substeps ?? (teacherSteps + studentSteps - 1) / studentSteps,
                teacherIntegrator: index == 0 ? teacherIntegrator : .euler,
                teacherGuidance: index == 0 ? guidance : 1, guidanceRange: guidanceRange)
        }
    }
}

/// One stage: a teacher run at `teacherSteps` distilled into a student of `studentSteps` Euler steps.
public struct DistillationStage: Codable, Sendable, Equatable {
    public var index: Int
    public var teacherSteps: Int
    public var studentSteps: Int
    /// Teacher sub-steps per student interval.
    public var substeps: Int
    public var teacherIntegrator: Integrator
    /// The scale the teacher's field is evaluated at (the base teacher's s; 1 for students, whose
    /// guidance is already baked in). Not used when `guidanceRange` is set.
    public var teacherGuidance: Double
    /// Guidance-conditioned stage: every sample (or pool trajectory) draws its own s in this range,
    /// the teacher is evaluated at it and the student is given it. Absent from older stage JSON.
    public var guidanceRange: ClosedRange<Double>?

    public init(
        index: Int, teacherSteps: Int, studentSteps: Int, substeps: Int, teacherIntegrator: Integrator,
        teacherGuidance: Double, guidanceRange: ClosedRange<Double>? = nil
    ) {
        precondition(studentSteps >= 1 && substeps >= 1, "DistillationStage: \(studentSteps) student steps, \(substeps) sub-steps")
        self.index = index
        self.teacherSteps = teacherSteps
        self.studentSteps = studentSteps
        self.substeps = substeps
        self.teacherIntegrator = teacherIntegrator
        self.teacherGuidance = teacherGuidance
        self.guidanceRange = guidanceRange
    }

    /// One scale per sample, uniform in `guidanceRange` (one draw each from `random`); nil, drawing
    /// nothing, when the stage bakes its guidance in.
    public func drawGuidance(count: Int, random: inout RandomSource) -> [Float]? {
        guard let range = guidanceRange else { return nil }
        return (0..<count).map { _ in Float(range.lowerBound + (range.upperBound - range.lowerBound) * random.uniform()) }
    }

    /// Run sub-directory: "stage-20".
    public var directoryName: String { "stage-\(studentSteps)" }

    /// t_k of the student's uniform grid T = t₀ > … > t_M = 0, computed exactly as the sampler's
    /// `IntervalField` computes it, so training and sampling see bit-identical times.
    public func gridTime(_ k: Int, horizon: Double) -> Float {
        if k >= studentSteps { return 0 }
        let start = Double(Float(horizon))
        return Float(start + Double(k) / Double(studentSteps) * (0 - start))
    }
}

/// How a student whose architecture differs from its teacher's gets its first weights.
public enum StudentInitialization: String, Codable, Sendable, CaseIterable {
    /// Every tensor takes the teacher tensor of the same name cut to its leading block (the first
    /// hidden units / channels); tensors the teacher lacks stay random.
    case leadingSlice
    /// Fresh initialisation from the stage seed.
    case random
}

extension StudentInitialization {
    /// leadingSlice → leading-slice: the command line's spelling.
    public var kebabName: String { Spelling.kebabCase(rawValue) }

    public init?(kebabName: String) {
        guard let value = Self.allCases.first(where: { $0.kebabName == kebabName }) else { return nil }
        self = value
    }
}
