// `kac distill`: multi-stage endpoint distillation (KAC.md §7) of a zoo teacher or a training run
// into few-step students. A run lives in one directory (layout in Training/Distill/Distiller.swift);
// re-running the same command resumes the current stage and skips finished ones. With --publish,
// each stage's student goes into the zoo as PREFIX/student-M, its parent the teacher's blob. With
// --guidance-range the students take the guidance scale as an input (one checkpoint for every s).
import ArgumentParser
import Foundation
import ToolSupport
import Training
import Vocabulary

struct DistillCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "distill",
        abstract: "Distill a Kac-flow teacher into 1–4 step students (resumes automatically from RUN).")

    @Option(help: "Teacher from the zoo (name, name@version or name:tag).") var teacher: String?
    @Option(help: "Teacher from a `kac train` run directory (its EMA weights).") var teacherRun: String?
    @Option(help: "Step counts, teacher first: each pair is a stage, each student the next teacher.") var stages = "100,20,4,2,1"
    @Option(name: .customLong("run"), help: "Run directory (per-stage checkpoints, pools, reports).") var runDirectory = "runs/distill"
    @Option(help: "Interval start points: forward (noised data) or trajectory (teacher trajectories from the prior).")
    var start: DistillationStart = .forward
    @Option(
        help:
            "Where later stages' targets come from: chain (each stage learns the previous student, the paper's recipe) or base (every stage learns the base teacher's trajectories from the first stage's pool; needs --start trajectory)."
    )
    var targets: DistillationTargets = .chain
    @Option(help: "Base teacher's sub-step integrator: euler or ab2 (later teachers are students: Euler).")
    var teacherIntegrator: Integrator = .euler
    @Option(help: "Teacher sub-steps per student interval (default: teacher steps / student steps).") var substeps: Int?
    @Option(
        help:
            "Guidance scale s baked into the students (default: the zoo teacher's, else 1); with --guidance-range, the students' default scale (default: the teacher's, moved into the range)."
    )
    var guidance: Double?
    @Option(
        help:
            "LOW,HIGH: students take s as an input and are distilled at s drawn uniformly in this range (e.g. 1,3), so one student serves every scale in it."
    )
    var guidanceRange: String?
    @Option(help: "Optimisation steps per stage: one count, or one per stage (e.g. 2000,1000,1000,1000).") var stepsPerStage = "1000"
    @Option(help: "Mini-batch size.") var batchSize = 64
    @Option(help: "Adam learning rate.") var learningRate = 1e-4
    @Option(help: "EMA decay of the student weights.") var ema = 0.995
    @Option(help: "Fraction of samples distilled with the null label (keeps unguided sampling working).") var nullLabelFraction = 0.1
    @Option(help: "Teacher trajectories per stage (trajectory starts).") var pool = 4096
    @Option(help: "Student width (MLP hidden width or UNet base width) if narrower than the teacher.") var studentWidth: Int?
    // Optional, with the default in the help: ArgumentParser prints a raw-valued enum's default as its
    // raw value (`leadingSlice`), not its CLI spelling.
    @Option(help: "Initialisation of a narrower student: leading-slice (of the teacher) or random. (default: leading-slice)")
    var studentInit: StudentInitialization?
    @Option(help: "Seed for stage initialisation, batches, noise and pools.") var seed: UInt64 = 1
    @Option(
        help:
            "Dataset: \(TrainingData.builtInNames.joined(separator: ", ")), or the image folder DIR the teacher was trained on (default: the teacher's)."
    )
    var data: String?
    @Flag(
        help:
            "Distill on a --data folder whose images differ from the teacher's training data (refused by default: the students are recorded under the teacher's data set)."
    )
    var allowOtherData = false
    @Option(help: "Write each stage's checkpoint every N steps.") var checkpointEvery = 100
    @Option(help: "Publish each stage's student as PREFIX/student-M (e.g. fashion-mnist).") var publish: String?
    @OptionGroup var zoo: ZooLocation
    @OptionGroup var published: PublicationOptions
    @OptionGroup var judgeOptions: JudgeOptions
    @OptionGroup var evaluation: EvaluationSampleOptions
    @Flag(help: "Discard the run directory's earlier stages and start over.") var fresh = false
    @OptionGroup var threads: ThreadOptions

    func run() throws {
        threads.install()
        let choice: Distillation.Teacher
        switch (teacher, teacherRun) {
        case (let reference?, nil): choice = .zoo(reference)
        case (nil, let directory?): choice = .trainingRun(directory)
        default: throw ValidationError("give exactly one of --teacher REF (zoo) or --teacher-run DIR (a `kac train` run)")
        }
        let stageSteps = try CommaSeparated.positiveIntegers(stepsPerStage, option: "--steps-per-stage")
        let configuration = DistillationConfiguration(
            stepSchedule: try CommaSeparated.positiveIntegers(stages, option: "--stages"), start: start,
            teacherIntegrator: teacherIntegrator,
            substeps: substeps, guidanceRange: try guidanceRange.map(Self.scaleRange),
            training: FlowTrainingConfiguration(
                batchSize: batchSize, learningRate: learningRate, emaDecay: ema, labelDropout: nullLabelFraction, totalSteps: stageSteps[0]),
            stageTrainingSteps: stageSteps.count > 1 ? stageSteps : nil, trajectoryPoolSize: pool,
            studentInitialization: studentInit ?? .leadingSlice, seed: seed, targets: targets)
        var distillation = Distillation(
            teacher: choice, directory: runDirectory, configuration: configuration, judge: judgeOptions.settings,
            command: Console.invocation)
        (distillation.guidance, distillation.studentWidth, distillation.data) = (guidance, studentWidth, data)
        (distillation.allowOtherData, distillation.checkpointEvery, distillation.fresh) = (allowOtherData, checkpointEvery, fresh)
        (distillation.evaluationSamples, distillation.evaluationSeed) = (evaluation.evalSamples, evaluation.evalSeed)
        distillation.publication = publish.map { Distillation.Publication(prefix: $0, tags: published.tags, dtype: published.dtype) }
        try distillation.run(
            openStore: { try zoo.open(create: $0) }, zooPath: zoo.path, interactive: ProgressReporter.standardErrorIsTerminal,
            log: Console.note)
    }

    /// "1,3" → 1...3.
    static func scaleRange(_ text: String) throws -> ClosedRange<Double> {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
            .map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let low = parts[0], let high = parts[1], low.isFinite, high.isFinite, 0 <= low, low <= high else {
            throw ValidationError("--guidance-range takes LOW,HIGH with 0 ≤ LOW ≤ HIGH (e.g. 1,3), got '\(text)'")
        }
        return low...high
    }
}

extension DistillationStart: ExpressibleByArgument {}
extension DistillationTargets: ExpressibleByArgument {}

// CustomStringConvertible as well: ArgumentParser prints an option's default with String(describing:).
extension StudentInitialization: ExpressibleByArgument, CustomStringConvertible {
    public var description: String { kebabName }

    public init?(argument: String) { self.init(kebabName: argument) }
    public static var allValueStrings: [String] { allCases.map(\.kebabName) }
    public var defaultValueDescription: String { kebabName }
    /// Empty: otherwise ArgumentParser lists the raw values (`leadingSlice`) against their CLI spellings.
    public static var allValueDescriptions: [String: String] { [:] }
}
