// `kac refine`'s one entry point (docs/one-step-refinement.md): load the student and its
// teacher from the zoo, check that they fit, complete the configuration with what depends on them
// (the teacher's guidance, the anchor model), make the anchor pool and the real data the method
// needs, run or resume the refiner in RUN, score the EMA generator and, when asked, publish it.
// Options that cannot make a run are `TrainingError.invalidOptions` (printed as usage errors).
import Foundation
import Generation
import ModelStore
import NeuralNet
import TensorCore
import Vocabulary

public struct RefinementRun {
    /// Where and how to publish the EMA generator when the run is finished.
    public struct Publication {
        public var name: String
        public var tags: [String]
        public var dtype: TensorDType
        public init(name: String, tags: [String], dtype: TensorDType) { (self.name, self.tags, self.dtype) = (name, tags, dtype) }
    }

    /// The student (zoo reference; its sampler's Euler steps are rendered and backpropagated) and the teacher; nil: the student's first teacher ancestor.
    public var student: String
    public var teacher: String?
    /// RUN: checkpoint.safetensors, anchor-pool.safetensors, real-tilt.safetensors.
    public var directory: String
    /// Every setting the options give; `run` fills in the teacher's guidance, the fake's learning
    /// rate, the adversarial weight and the anchor pool from the values below.
    public var configuration: RefinementConfiguration
    /// nil: the teacher's default scale.
    public var teacherGuidance: Double?
    /// nil: the generator's learning rate.
    public var fakeLearningRate: Double?
    /// nil: 1 for the adversarial method, else 0.
    public var adversarialWeight: Double?
    public var anchorPoolSize = 4096
    /// The anchor model, sampled at its own steps; nil: the teacher at the teacher's guidance.
    public var anchorModel: String?
    /// Another run's checkpoint whose discriminator a new run starts from (`Refiner.adoptDiscriminator`).
    public var discriminatorFrom: String?
    /// Another run's checkpoint whose whole state a new run continues (`Refiner.adoptState`).
    public var branchFrom: String?
    public var checkpointEvery = 100
    /// Asked after every update; true stops the run with its checkpoint written (exit 75).
    public var shouldStop: @Sendable () -> Bool = { false }
    public var logEvery = 10
    /// Score the EMA generator every N generator steps (0: only at the end).
    public var evaluateEvery = 0
    public var evaluationSamples = 1000
    public var evaluationSeed: UInt64 = 7
    public var judge: ClassifierJudge.Settings
    /// A second classifier scoring the same samples ("none": no second judge).
    public var secondClassifier = "fashion-mnist/classifier@1"
    /// Keep the best evaluation's EMA generator in RUN/best.safetensors (`BestSelection`, by the second classifier).
    public var keepBest = false
    /// Keep every evaluation's EMA generator in RUN/snapshots/step-N.safetensors.
    public var snapshots = false
    public var publication: Publication?
    /// The command line, recorded in the checkpoint and the published manifest.
    public var command: String

    public init(
        student: String, directory: String, configuration: RefinementConfiguration, judge: ClassifierJudge.Settings, command: String
    ) {
        (self.student, self.directory, self.configuration, self.judge, self.command) = (student, directory, configuration, judge, command)
    }

    /// Runs (or resumes) the refinement; returns the published manifest when `publication` is set.
    /// `log` gets every progress line (the refiner's timestamped).
    @discardableResult
    public func run(store: ModelStore, zooPath: String, log: @escaping (String) -> Void) throws -> ModelManifest? {
        let stamped: (String) -> Void = { log("[\(Self.timestamp())] " + $0) }
        guard !keepBest || secondClassifier != "none" else {
            throw TrainingError.invalidOptions("--keep-best selects by the second classifier; name one with --second-classifier (not 'none')")
        }
        guard discriminatorFrom == nil || branchFrom == nil else {
            throw TrainingError.invalidOptions("--branch-from already takes the other run's discriminator; give --discriminator-from or --branch-from, not both")
        }
        guard discriminatorFrom == nil || configuration.method == .adversarial else {
            throw TrainingError.invalidOptions("--discriminator-from goes with --method adversarial")
        }
        let studentModel = try ZooVelocityModel.load(student, from: store)
        guard studentModel.manifest.details.kind == .student, studentModel.defaults.integrator == .euler else {
            throw TrainingError.invalidOptions(
                "\(studentModel.label) is not a student sampled by Euler steps (kind \(studentModel.manifest.details.kind.rawValue), sampler \(studentModel.defaults.integrator.rawValue)); refine a distilled student")
        }
        guard studentModel.defaults.guidance == 1, !studentModel.architecture.hasGuidanceInput else {
            throw TrainingError.invalidOptions(
                "\(studentModel.label) is sampled with guidance \(studentModel.defaults.guidance); refine a student with guidance baked in (sampled at s = 1)"
            )
        }
        let teacherModel = try ZooVelocityModel.load(try teacherReference(of: studentModel, in: store), from: store)
        guard teacherModel.path == studentModel.path else {
            throw TrainingError.invalidOptions("\(studentModel.label) and \(teacherModel.label) use different Kac paths")
        }
        var configuration = configuration
        configuration.studentSteps = studentModel.defaults.steps
        configuration.teacherGuidance = teacherGuidance ?? teacherModel.defaults.guidance
        configuration.fakeLearningRate = fakeLearningRate ?? configuration.generatorLearningRate
        configuration.adversarialWeight = adversarialWeight ?? (configuration.method == .adversarial ? 1 : 0)
        let anchor = try anchorSampler(teacher: teacherModel, guidance: configuration.teacherGuidance, store: store)
        if configuration.needsAnchorPool {
            configuration.anchorPoolSize = anchorPoolSize
            configuration.anchorModel = anchor.description
        }
        do { try configuration.validate() } catch { throw TrainingError.invalidOptions(Reason(cause: error)) }
        if configuration.realTilt > 0 {
            _ = try RealTilt.checkedNetwork(sampleShape: studentModel.architecture.sampleShape, classCount: studentModel.architecture.classCount)
        }
        let header = RefinementState.Header(
            configuration: configuration,
            sources: RefinementSources(
                student: studentModel.label, studentBlob: studentModel.manifest.blob.description,
                teacher: teacherModel.label, teacherBlob: teacherModel.manifest.blob.description, command: command),
            generatorArchitecture: studentModel.architecture, fakeArchitecture: teacherModel.architecture)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var pool: TeacherTrajectoryPool?
        if configuration.needsAnchorPool {
            let count = anchorPoolSize
            stamped("anchor pool: \(count) endpoints of \(anchor.description) (RUN/anchor-pool.safetensors)")
            pool = try RefinementAnchor.pool(
                network: anchor.model.network, architecture: anchor.model.architecture, path: anchor.model.path, steps: anchor.steps,
                guidance: anchor.guidance, count: count, seed: configuration.seed, anchor: anchor.model.manifest.blob.description,
                file: directory + "/anchor-pool.safetensors",
                progress: { done in  // about ten lines
                    if done == count || done * 10 / count > (done - 64) * 10 / count { stamped("anchor pool \(done)/\(count)") }
                })
        }
        let data = try realData(for: studentModel, configuration: configuration)
        let tilt = try data.flatMap { try realTilt(of: $0, configuration: configuration, log: stamped) }
        let refiner = try Refiner(
            header: header, teacherNetwork: teacherModel.network, path: teacherModel.path,
            studentWeights: studentModel.network.parameters, checkpointPath: directory + "/checkpoint.safetensors",
            anchorPool: pool, realData: data, realTilt: tilt)
        if let branchFrom, refiner.isNew {
            let step = try refiner.adoptState(fromCheckpoint: branchFrom)
            stamped("branched from \(branchFrom) at its generator step \(step)")
        }
        if let discriminatorFrom, refiner.isNew {
            let step = try refiner.adoptDiscriminator(fromCheckpoint: discriminatorFrom)
            stamped("discriminator: from \(discriminatorFrom) (that run's generator step \(step))")
        }
        refiner.checkpointEvery = checkpointEvery
        refiner.logEvery = logEvery
        refiner.shouldStop = shouldStop
        refiner.log = stamped
        log(
            "refining \(studentModel.label) (\(configuration.studentSteps) euler steps) against \(teacherModel.label) at s = \(configuration.teacherGuidance): \(configuration.method.rawValue) α \(configuration.alpha), \(configuration.totalSteps) steps of batch \(configuration.batchSize) after \(configuration.fakeWarmupSteps) fake-only updates; OpenBLAS \(BLAS.coreName), \(BLAS.threadCount) threads"
        )
        let scorer = try RefinementScorer(
            judge: judge, secondClassifier: secondClassifier, sampleCount: evaluationSamples, seed: evaluationSeed,
            zooPath: zooPath, classCount: studentModel.architecture.classCount,
            dataset: studentModel.manifest.details.dataset?.name, log: log)
        if keepBest {
            guard case .images(_, .some, _) = scorer.judges else {
                throw TrainingError.invalidOptions("--keep-best selects by the second classifier, which scores images only (and needs --classifier)")
            }
        }
        let keeper = try RefinementKeeper(
            directory: directory, architecture: studentModel.architecture, keepBest: keepBest, snapshots: snapshots)
        var lastRows: [EvaluationRow] = []
        let score = { (network: any VelocityNetwork, step: Int) in
            scorer.score(
                network, architecture: studentModel.architecture, path: studentModel.path, settings: studentModel.defaults, step: step)
        }
        refiner.evaluateEvery = evaluateEvery > 0 ? evaluateEvery : configuration.totalSteps
        refiner.evaluate = { network, step in
            let (rows, line) = score(network, step)
            lastRows = rows
            let selectionRow = rows.count > 1 ? rows[1] : nil
            let note = try keeper.record(weights: network.parameters, step: step, rows: rows, line: line, selectionRow: selectionRow)
            return note.map { line + " — " + $0 } ?? line
        }
        try refiner.run()
        log("refinement finished at step \(refiner.state.step): \(directory)/checkpoint.safetensors")
        guard let publication else { return nil }
        if let best = try RefinementKeeper.loadBest(directory: directory, architecture: studentModel.architecture) {
            stamped("publishing RUN/\(RefinementKeeper.bestFile): the EMA generator at step \(best.step) (\(best.line))")
            return try publish(refiner, kept: best, student: studentModel, teacher: teacherModel, to: store, as: publication)
        }
        if lastRows.isEmpty { lastRows = score(refiner.averagedGenerator(), refiner.state.step).rows }
        stamped("publishing the EMA generator at step \(refiner.state.step) (no RUN/\(RefinementKeeper.bestFile))")
        let latest = RefinementKeeper.Kept(
            weights: refiner.state.generatorAverage.shadow, step: refiner.state.step, line: "", rows: lastRows, selection: nil)
        return try publish(refiner, kept: latest, student: studentModel, teacher: teacherModel, to: store, as: publication)
    }
}
