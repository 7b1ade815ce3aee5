// `kac distill`: multi-stage endpoint distillation (KAC.md §7) of a zoo teacher or a training run
// into few-step students. A run lives in one directory (layout in Training/Distill/Distiller.swift);
// re-running the same command resumes the current stage and skips finished ones. With --publish,
// each stage's student goes into the zoo as PREFIX/student-M, its parent the teacher's blob. With
// --guidance-range the students take the guidance scale as an input (one checkpoint for every s).
import ArgumentParser
import Foundation
import KacFlow
import ModelStore
import NeuralNet
import TensorCore
import Training
import Vocabulary

struct DistillCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "distill",
        abstract: "Distill a Kac-flow teacher into 1–4 step students (resumes automatically from RUN).")

    @Option(help: "Teacher from the zoo (name, name@version or name:tag).")
    var teacher: String?
    @Option(help: "Teacher from a `kac train` run directory (its EMA weights).")
    var teacherRun: String?
    @Option(help: "Step counts, teacher first: each pair is a stage, each student the next teacher.")
    var stages = "100,20,4,2,1"
    @Option(name: .customLong("run"), help: "Run directory (per-stage checkpoints, pools, reports).")
    var runDirectory = "runs/distill"
    @Option(help: "Interval start points: forward (noised data) or trajectory (teacher trajectories from the prior).")
    var start: DistillationStart = .forward
    @Option(
        help:
            "Where later stages' targets come from: chain (each stage learns the previous student, the paper's recipe) or base (every stage learns the base teacher's trajectories from the first stage's pool; needs --start trajectory)."
    )
    var targets: DistillationTargets = .chain
    @Option(help: "Base teacher's sub-step integrator: euler or ab2 (later teachers are students: Euler).")
    var teacherIntegrator: Integrator = .euler
    @Option(help: "Teacher sub-steps per student interval (default: teacher steps / student steps).")
    var substeps: Int?
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
    @Option(help: "Optimisation steps per stage: one count, or one per stage (e.g. 2000,1000,1000,1000).")
    var stepsPerStage = "1000"
    @Option(help: "Mini-batch size.")
    var batchSize = 64
    @Option(help: "Adam learning rate.")
    var learningRate = 1e-4
    @Option(help: "EMA decay of the student weights.")
    var ema = 0.995
    @Option(help: "Fraction of samples distilled with the null label (keeps unguided sampling working).")
    var nullLabelFraction = 0.1
    @Option(help: "Teacher trajectories per stage (trajectory starts).")
    var pool = 4096
    @Option(help: "Student width (MLP hidden width or UNet base width) if narrower than the teacher.")
    var studentWidth: Int?
    // Optional, with the default in the help: ArgumentParser prints a raw-valued enum's default as its
    // raw value (`leadingSlice`), not its CLI spelling.
    @Option(help: "Initialisation of a narrower student: leading-slice (of the teacher) or random. (default: leading-slice)")
    var studentInit: StudentInitialization?
    @Option(help: "Seed for stage initialisation, batches, noise and pools.")
    var seed: UInt64 = 1
    @Option(
        help:
            "Dataset: fashion-mnist, eight-gaussians, checkerboard, grid, paired-gaussians, or the image folder DIR the teacher was trained on (default: the teacher's)."
    )
    var data: String?
    @Flag(
        help:
            "Distill on a --data folder whose images differ from the teacher's training data (refused by default: the students are recorded under the teacher's data set)."
    )
    var allowOtherData = false
    @Option(help: "Write each stage's checkpoint every N steps.")
    var checkpointEvery = 100
    @Option(help: "Publish each stage's student as PREFIX/student-M (e.g. fashion-mnist).")
    var publish: String?
    @OptionGroup var zoo: ZooLocation
    @Option(name: .customLong("tag"), help: "Tag to move to each published student (repeatable).")
    var tags: [String] = []
    @Option(help: "Weights precision when publishing: f16 or f32.")
    var dtype: TensorDType = .f16
    @OptionGroup var judgeOptions: JudgeOptions
    @Option(help: "Samples per student evaluation (labels cycle through the classes).")
    var evalSamples = 1000
    @Option(help: "Seed of the evaluation samples (the same as `kac eval`'s default, so rows compare).")
    var evalSeed: UInt64 = 7
    @Flag(help: "Discard the run directory's earlier stages and start over.")
    var fresh = false

    @OptionGroup var threads: ThreadOptions

    func run() throws {
        threads.install()
        let source = try loadTeacher()
        let data = try loadData(source)
        let (dataset, dataName, datasetDigest) = (data.dataset, data.name, data.digest)
        let configuration = try makeConfiguration(teacher: source)
        if fresh { try Distiller.discardStages(in: runDirectory) }
        let distiller = try Distiller(
            configuration: configuration, runDirectory: runDirectory, dataset: dataset,
            datasetName: dataName, datasetDigest: datasetDigest,
            teacher: source.teacher, teacherSource: source.label)
        distiller.command = Console.invocation
        distiller.checkpointEvery = checkpointEvery
        distiller.progressInteractive = ProgressReporter.standardErrorIsTerminal
        distiller.log = { Console.note($0) }
        Console.note(
            "teacher \(source.label): \(source.teacher.network.parameters.scalarCount) parameters; OpenBLAS \(BLAS.coreName), \(BLAS.threadCount) threads"
        )
        if let advice = BLAS.kernelAdvice() { Console.note("note: \(advice)") }
        let store = try publish.map { _ in try zoo.open(create: true) }
        let evaluator = try ImageStageEvaluator.forData(
            dataName, classCount: source.teacher.architecture.classCount, judge: judgeOptions.settings, zooPath: zoo.path,
            sampleCount: evalSamples, seed: evalSeed, log: Console.note)
        var parent = source.blob
        try distiller.run(evaluate: evaluator) { student, report in
            let metrics = (report.evaluation?.metrics ?? [:]).sorted { $0.key < $1.key }
                .map { String(format: "%@ %.4f", $0.key, $0.value) }.joined(separator: ", ")
            Console.note(
                "\(student.stage.directoryName): \(student.stage.studentSteps)-step student ready\(metrics.isEmpty ? "" : ": " + metrics)")
            if let store, let prefix = publish {
                if report.publishedAs == nil {
                    let manifest = try source.publication(
                        student, report: report, prefix: prefix, parent: parent, configuration: configuration,
                        dataName: dataName, datasetDigest: datasetDigest, command: Console.invocation
                    )
                    .publish(to: store, dtype: dtype, tags: tags)
                    report.publishedAs = "\(manifest.name)@\(manifest.version)"
                    report.publishedBlob = manifest.blob.description
                    Console.note("published \(report.publishedAs ?? "") (\(manifest.blob))")
                }
                parent = try report.publishedBlob.map { try Digest(parsing: $0) }
            }
        }
        Console.note("distillation finished: \(runDirectory)")
    }

    private func makeConfiguration(teacher: TeacherSource) throws -> DistillationConfiguration {
        let stageSteps = try TrainCommand.integers(stepsPerStage, option: "--steps-per-stage")
        let range = try guidanceRange.map(Self.scaleRange)
        let defaultGuidance = range.map { min(max(teacher.defaultGuidance, $0.lowerBound), $0.upperBound) } ?? teacher.defaultGuidance
        let configuration = DistillationConfiguration(
            stepSchedule: try TrainCommand.integers(stages, option: "--stages"), start: start,
            teacherIntegrator: teacherIntegrator, substeps: substeps, guidance: guidance ?? defaultGuidance, guidanceRange: range,
            training: FlowTrainingConfiguration(
                batchSize: batchSize, learningRate: learningRate, emaDecay: ema,
                labelDropout: nullLabelFraction, totalSteps: stageSteps[0]),
            stageTrainingSteps: stageSteps.count > 1 ? stageSteps : nil, trajectoryPoolSize: pool,
            studentArchitecture: try studentWidth.map { try teacher.teacher.architecture.narrowed(width: $0) },
            studentInitialization: studentInit ?? .leadingSlice, seed: seed, targets: targets)
        do { try configuration.validate() } catch { throw ValidationError(error.description) }
        return configuration
    }

    private func loadTeacher() throws -> TeacherSource {
        switch (teacher, teacherRun) {
        case (let reference?, nil): return try TeacherSource.zoo(reference, from: try zoo.open(create: false))
        case (nil, let directory?): return try TeacherSource.trainingRun(directory)
        default: throw ValidationError("give exactly one of --teacher REF (zoo) or --teacher-run DIR (a `kac train` run)")
        }
    }

    /// --data DIR (an image folder, under the teacher's data set name), else the named or the teacher's built-in data.
    private func loadData(_ source: TeacherSource) throws -> TrainingData {
        if let data, TrainingData.isFolder(data) {
            return try source.folderData(
                data, cacheDirectory: runDirectory + "/data", allowOther: allowOtherData, log: Console.note)
        }
        let name = data ?? source.dataset
        guard let builtIn = try TrainingData.builtIn(name, directory: judgeOptions.datasetDirectory, seed: seed) else {
            throw ValidationError(
                "unknown dataset '\(name)': use fashion-mnist, eight-gaussians, checkerboard, grid, paired-gaussians, "
                    + "or give --data DIR, the image folder the teacher was trained on")
        }
        return builtIn
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
extension TensorDType: ExpressibleByArgument {}

// CustomStringConvertible as well: ArgumentParser prints an option's default with String(describing:).
extension StudentInitialization: ExpressibleByArgument, CustomStringConvertible {
    public var description: String { kebabName }

    /// leadingSlice ↔ leading-slice (the CLI spelling).
    public init?(argument: String) {
        guard let value = Self.allCases.first(where: { $0.kebabName == argument }) else { return nil }
        self = value
    }

    public static var allValueStrings: [String] { allCases.map(\.kebabName) }
    public var defaultValueDescription: String { kebabName }
    /// Empty: otherwise ArgumentParser lists the raw values (`leadingSlice`) against their CLI spellings.
    public static var allValueDescriptions: [String: String] { [:] }

    var kebabName: String {
        rawValue.reduce(into: "") { name, character in
            if character.isUppercase { name += "-" + character.lowercased() } else { name.append(character) }
        }
    }
}
