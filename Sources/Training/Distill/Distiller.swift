// The multi-stage distillation loop (KAC.md §7), readable top to bottom: for each stage of
// 100 → 20 → 4 → 2 → 1, train (or resume, extend, or skip when finished) the student against the frozen
// teacher, evaluate it, hand it to the caller (publishing), and make it the next stage's teacher.
// Layout of a run directory:
//   RUN/distillation.json            configuration + teacher fingerprint (resume only under it)
//   RUN/stage-M/checkpoint.safetensors  the stage's training checkpoint (resumable bit-exactly)
//   RUN/stage-M/pool.safetensors     teacher trajectories (trajectory starts only)
//   RUN/stage-M/stage.json           the finished stage's report (evaluation, publication)
import DiskIO
import Foundation
import Generation
import KacFlow
import NeuralNet
import TensorCore

public final class Distiller {
    public let configuration: DistillationConfiguration
    public let runDirectory: String
    public let dataset: LabeledDataset
    public let datasetName: String
    public let datasetDigest: String?
    public let baseTeacher: DistillationTeacher
    /// Where the base teacher came from ("fashion-mnist/teacher@3", a checkpoint path), for reports.
    public let teacherSource: String
    /// The command line recorded in every stage's recipe (and so in published manifests).
    public var command = "kac distill"
    public var checkpointEvery = 100
    /// nil: no progress output; otherwise whether to redraw a bar (terminal) or log lines.
    public var progressInteractive: Bool?
    /// Status lines (stage started, skipped, pool built).
    public var log: (String) -> Void = { _ in }
    /// Fault hook: throw `DistillationError.interrupted` right after training step N of any stage
    /// (after that step's checkpoint, if one was due), as a killed process would stop.
    public var interruptAfterStep: Int?

    public init(
        configuration: DistillationConfiguration, runDirectory: String, dataset: LabeledDataset,
        datasetName: String, datasetDigest: String? = nil, teacher: DistillationTeacher,
        teacherSource: String
    ) throws(DistillationError) {
        try configuration.validate()
        if let student = configuration.studentArchitecture {
            guard student.sampleShape == teacher.architecture.sampleShape,
                student.classCount == teacher.architecture.classCount
            else {
                throw .incompatibleStudent(
                    "student \(student.sampleShape)/\(student.classCount) classes vs teacher \(teacher.architecture.sampleShape)/\(teacher.architecture.classCount)"
                )
            }
        }
        self.configuration = configuration
        self.runDirectory = runDirectory
        self.dataset = dataset
        self.datasetName = datasetName
        self.datasetDigest = datasetDigest
        self.baseTeacher = teacher
        self.teacherSource = teacherSource
    }

    /// Runs every stage. `evaluate` scores a stage's student once (its result is kept in
    /// stage.json); `onStageFinished` sees every finished stage, skipped ones included, and may
    /// update the report (e.g. record a publication), which is then saved.
    @discardableResult
    public func run(
        evaluate: StageEvaluator? = nil,
        onStageFinished: ((DistilledStudent, inout StageReport) throws -> Void)? = nil
    ) throws -> [StageReport] {
        try prepareRunDirectory()
        var teacher = baseTeacher
        var reports: [StageReport] = []
        for stage in configuration.stages {
            let reportPath = stageDirectory(stage) + "/stage.json"
            let started = Date()
            let student = try trainStage(stage, teacher: teacher)
            var report =
                try StageReport.load(from: reportPath)
                ?? StageReport(
                    stage: stage, trainingSteps: configuration.trainingSteps(of: stage),
                    seconds: Date().timeIntervalSince(started))
            if report.evaluation == nil, let evaluate {
                report.evaluation = try evaluate(student)
                try report.save(to: reportPath)
            }
            try onStageFinished?(student, &report)
            try report.save(to: reportPath)
            reports.append(report)
            teacher = DistillationTeacher(network: student.network, architecture: student.architecture, path: student.path)
        }
        return reports
    }

    /// Trains one stage to its last step (resuming its checkpoint) and returns the EMA student.
    public func trainStage(_ stage: DistillationStage, teacher: DistillationTeacher) throws -> DistilledStudent {
        let directory = stageDirectory(stage)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let checkpointPath = directory + "/checkpoint.safetensors"
        let architecture =
            stage.index == 0
            ? (configuration.studentArchitecture ?? teacher.architecture).withGuidanceInput(configuration.guidanceRange != nil)
            : teacher.architecture
        let recipe = stageRecipe(stage, architecture: architecture, teacher: teacher)
        let total = recipe.training.totalSteps
        let trainer: Trainer
        if FileManager.default.fileExists(atPath: checkpointPath) {
            let (checkpointRecipe, state) = try TrainingState.load(from: checkpointPath)
            var loaded = checkpointRecipe
            if !Self.sameRun(loaded, recipe) {
                guard Self.extends(recipe, loaded) else {
                    throw DistillationError.runMismatch(directory: directory, reason: "its checkpoint's recipe differs from this stage's")
                }
                log(
                    "\(stage.directoryName): extending from \(loaded.training.totalSteps) to \(total) steps (the learning rate is constant, so the steps so far stand)"
                )
                // The report described the shorter student; the longer one is evaluated afresh.
                try? FileManager.default.removeItem(atPath: directory + "/stage.json")
                loaded = recipe
            }
            if state.step >= total {
                log("\(stage.directoryName): finished earlier (step \(state.step)), skipping")
                return student(stage, architecture: architecture, weights: state.average.shadow, path: recipe.path)
            }
            log("\(stage.directoryName): resuming at step \(state.step) of \(total)")
            let (objective, count) = try makeObjective(stage, teacher: teacher)
            try Self.checkBatch(loaded.training.batchSize, count: count, stage: stage)
            trainer = Trainer(recipe: loaded, state: state, objective: objective, datasetCount: count)
        } else {
            let scale =
                stage.guidanceRange.map { "s in \($0.lowerBound)…\($0.upperBound), an input of the student" }
                ?? "s = \(stage.teacherGuidance)"
            log(
                "\(stage.directoryName): distilling \(stage.teacherSteps) → \(stage.studentSteps) steps, \(total) steps of batch \(recipe.training.batchSize), \(stage.substeps) teacher sub-steps (\(stage.teacherIntegrator.rawValue), \(scale))"
            )
            if let warning = FlowTrainingConfiguration.shortRunWarning(
                decay: recipe.training.emaDecay, steps: total, stepsOption: "--steps-per-stage")
            {
                log("\(stage.directoryName): \(warning)")
            }
            let (objective, count) = try makeObjective(stage, teacher: teacher)
            try Self.checkBatch(recipe.training.batchSize, count: count, stage: stage)
            var initRandom = RandomSource(seed: recipe.seed, stream: 0)
            let weights = try configuration.studentInitialization.weights(for: architecture, teacher: teacher, random: &initRandom)
            trainer = Trainer(recipe: recipe, objective: objective, datasetCount: count, initialWeights: weights)
        }
        let progress = progressInteractive.map {
            ProgressReporter(
                title: "distill \(stage.teacherSteps)→\(stage.studentSteps)", total: total,
                interactive: $0, startCompleted: trainer.state.step)
        }
        let interruptAfterStep = self.interruptAfterStep
        try trainer.run(
            checkpointPath: checkpointPath, checkpointEvery: checkpointEvery, progress: progress,
            hookEvery: interruptAfterStep == nil ? 0 : 1
        ) { trainer in
            if trainer.state.step == interruptAfterStep { throw DistillationError.interrupted(step: trainer.state.step) }
        }
        progress?.finish("done at step \(trainer.state.step); checkpoint \(checkpointPath)")
        return student(stage, architecture: architecture, weights: trainer.state.average.shadow, path: recipe.path)
    }

    /// The Trainer recipe of a stage: student architecture, the teacher's path, the stage seed.
    public func stageRecipe(
        _ stage: DistillationStage, architecture: NetworkArchitecture,
        teacher: DistillationTeacher
    ) -> TrainingRecipe {
        var seedSource = RandomSource(seed: configuration.seed, stream: 100 + UInt64(stage.index))
        var training = configuration.training
        training.totalSteps = configuration.trainingSteps(of: stage)
        return TrainingRecipe(
            architecture: architecture, path: teacher.path, training: training,
            dataset: datasetName, datasetDigest: datasetDigest, seed: seedSource.next(), command: command)
    }

    public func stageDirectory(_ stage: DistillationStage) -> String { runDirectory + "/" + stage.directoryName }

    /// Refuses a batch the stage's data cannot fill (the mini-batch iterator would stop the process).
    static func checkBatch(_ batchSize: Int, count: Int, stage: DistillationStage) throws(DatasetError) {
        guard batchSize <= count else {
            throw DatasetError.tooFewSamples(source: "the data of \(stage.directoryName)", count: count, batchSize: batchSize)
        }
    }

    private func makeObjective(_ stage: DistillationStage, teacher: DistillationTeacher) throws -> (any TrainingObjective, Int) {
        switch configuration.start {
        case .forward:
            return (
                ForwardStartObjective(
                    dataset: dataset, teacher: teacher, stage: stage,
                    nullLabelFraction: configuration.training.labelDropout), dataset.count
            )
        case .trajectory:
            let pool = try trajectoryPool(stage, teacher: teacher)
            return (TrajectoryStartObjective(pool: pool), pool.pairCount)
        }
    }

    /// The stage's pool, read from disk or built (and saved) with progress. With base-teacher
    /// targets, later stages take the first stage's pool on their own sub-grid. A pool file records
    /// the fingerprint of the teacher that integrated it and the run's seed: one copied in from another
    /// run (another teacher, another seed) is remade rather than trained on.
    private func trajectoryPool(_ stage: DistillationStage, teacher: DistillationTeacher) throws -> TeacherTrajectoryPool {
        if configuration.targetSource == .base, stage.index > 0, let first = configuration.stages.first {
            let pool = try trajectoryPool(first, teacher: baseTeacher)
            guard let view = pool.subsampled(for: stage) else {
                throw DistillationError.corruptFile(
                    path: stageDirectory(first) + "/pool.safetensors", reason: "the first stage's pool does not fit \(stage.directoryName)")
            }
            log(
                "\(stage.directoryName): targets from the base teacher's \(pool.trajectoryCount) trajectories in \(stageDirectory(first))/pool.safetensors, every \(first.studentSteps / stage.studentSteps) grid points"
            )
            return view
        }
        let path = stageDirectory(stage) + "/pool.safetensors"
        let identity = ["teacher": DistillationFiles.fingerprint(teacher.network.parameters), "seed": String(configuration.seed)]
        if FileManager.default.fileExists(atPath: path),
            let pool = try TeacherTrajectoryPool.load(from: path, stage: stage, identity: identity),
            pool.trajectoryCount == configuration.trajectoryPoolSize
        {
            return pool
        }
        let count = configuration.trajectoryPoolSize
        let progress = progressInteractive.map {
            ProgressReporter(title: "pool \(stage.directoryName)", total: count, interactive: $0)
        }
        var seedSource = RandomSource(seed: configuration.seed, stream: 200 + UInt64(stage.index))
        let pool = TeacherTrajectoryPool.build(
            teacher: teacher, stage: stage, count: count, labelSource: dataset.labels,
            nullLabelFraction: configuration.training.labelDropout, seed: seedSource.next(),
            onChunk: { progress?.update(completed: $0) })
        try pool.save(to: path, identity: identity)
        log("\(stage.directoryName): \(count) teacher trajectories, \(pool.pairCount) start points, in \(path)")
        return pool
    }

    private func student(
        _ stage: DistillationStage, architecture: NetworkArchitecture, weights: ParameterSet,
        path: KacPath.Configuration
    ) -> DistilledStudent {
        var scratch = RandomSource(seed: 0)
        let network = architecture.makeNetwork(random: &scratch)
        network.parameters = weights
        return DistilledStudent(
            stage: stage, network: network, architecture: architecture, path: path,
            guidance: configuration.studentGuidance)
    }

    /// Same run: everything but the command line (adding --publish must not invalidate a run).
    static func sameRun(_ a: TrainingRecipe, _ b: TrainingRecipe) -> Bool {
        var a = a
        a.command = b.command
        return a == b
    }

    /// Whether `recipe` is `checkpoint`'s with more steps at a constant learning rate: continuing the
    /// checkpoint then gives what a run of `recipe` from the start would have.
    static func extends(_ recipe: TrainingRecipe, _ checkpoint: TrainingRecipe) -> Bool {
        var earlier = checkpoint
        earlier.command = recipe.command
        earlier.training.totalSteps = recipe.training.totalSteps
        return earlier == recipe && recipe.training.totalSteps > checkpoint.training.totalSteps
            && recipe.training.finalLearningRateFraction == 1
    }
}
