// What a multi-stage endpoint distillation (KAC.md §7) is made of: the step schedule
// (100 → 20 → 4 → 2 → 1), where interval start points come from, how the teacher is integrated,
// the baked guidance scale and the optimiser budget of every stage. Stored as RUN/distillation.json;
// a run directory only resumes under the configuration that started it.
import Foundation
import KacFlow

/// Where the start point x_{t_k} of a distillation interval comes from.
public enum DistillationStart: String, Codable, Sendable, CaseIterable {
    /// Forward-noised data f(t_k)·x₀ + K(g(t_k)); the teacher is integrated over [t_k, t_{k+1}]
    /// inside every training step.
    case forward
    /// Points of teacher trajectories started at the prior, precomputed once per stage into a pool
    /// (its next grid point is the endpoint target, so training steps cost no teacher passes).
    case trajectory
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
    /// Guidance scale s of the base teacher, baked into every student (students sample at s = 1).
    /// XXX: a student taking s as an input (one checkpoint for every scale) needs a scalar
    /// conditioning input in NeuralNet (MLP: sinusoid(s) concatenated like t; UNet: an embedding
    /// of s added to the time embedding, last layer zero-initialised so the student starts as the
    /// teacher), `guidance: [Float]` in TrainingBatch and VelocityNetwork, and per-sample scales in
    /// ClassifierFreeGuidance; the objective would then draw s per sample.
    public var guidance: Double
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

    public init(stepSchedule: [Int] = [100, 20, 4, 2, 1], start: DistillationStart = .forward,
                teacherIntegrator: Integrator = .euler, substeps: Int? = nil, guidance: Double = 1,
                training: FlowTrainingConfiguration, stageTrainingSteps: [Int]? = nil, trajectoryPoolSize: Int = 4096,
                studentArchitecture: NetworkArchitecture? = nil,
                studentInitialization: StudentInitialization = .leadingSlice, seed: UInt64 = 1) {
        self.stepSchedule = stepSchedule
        self.start = start
        self.teacherIntegrator = teacherIntegrator
        self.substeps = substeps
        self.guidance = guidance
        self.training = training
        self.stageTrainingSteps = stageTrainingSteps
        self.trajectoryPoolSize = trajectoryPoolSize
        self.studentArchitecture = studentArchitecture
        self.studentInitialization = studentInitialization
        self.seed = seed
    }

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
        guard training.totalSteps >= 1, training.batchSize >= 1 else {
            throw .invalidConfiguration("--steps-per-stage and --batch-size must be positive")
        }
        if let stageTrainingSteps {
            guard stageTrainingSteps.count == stepSchedule.count - 1, stageTrainingSteps.allSatisfy({ $0 >= 1 }) else {
                throw .invalidConfiguration("--steps-per-stage takes one count or one positive count per stage (\(stepSchedule.count - 1) here), got \(stageTrainingSteps)")
            }
        }
        guard (0...1).contains(training.labelDropout) else {
            throw .invalidConfiguration("--null-label-fraction must be in [0, 1], got \(training.labelDropout)")
        }
        if start == .trajectory, trajectoryPoolSize * (stepSchedule.dropFirst().min() ?? 1) < training.batchSize {
            throw .invalidConfiguration("--pool \(trajectoryPoolSize) gives fewer start points than one batch; raise --pool or lower --batch-size")
        }
    }

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
                teacherGuidance: index == 0 ? guidance : 1)
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
    /// guidance is already baked in).
    public var teacherGuidance: Double

    public init(index: Int, teacherSteps: Int, studentSteps: Int, substeps: Int, teacherIntegrator: Integrator,
                teacherGuidance: Double) {
        precondition(studentSteps >= 1 && substeps >= 1, "DistillationStage: \(studentSteps) student steps, \(substeps) sub-steps")
        self.index = index
        self.teacherSteps = teacherSteps
        self.studentSteps = studentSteps
        self.substeps = substeps
        self.teacherIntegrator = teacherIntegrator
        self.teacherGuidance = teacherGuidance
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
