// `kac refine`: the second phase after endpoint distillation (docs/one-step-refinement.md). It starts
// from a published one-step student and moves it by flow generator matching against the guided
// teacher, with an online "fake" velocity network started as a copy of the teacher. The run lives in
// one directory (RUN/checkpoint.safetensors, RUN/refinement.json); re-running the same command resumes
// it, and a larger --steps extends it. No classifier takes part in training: the judges only score.
import ArgumentParser
import Foundation
import Generation
import ModelStore
import NeuralNet
import TensorCore
import Training
import Vocabulary

struct RefineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refine",
        abstract: "Refine a one-step student by flow generator matching against its teacher (resumes from RUN).",
        discussion: """
            Exit codes: 0 done, 64 bad options or a RUN started differently, 65 damaged checkpoint or a
            diverged run, 66 model not found, 74 I/O error, 75 interrupted.
            """)

    @Option(help: "The one-step student to refine (zoo reference).")
    var student: String
    @Option(help: "The teacher (zoo reference; default: the student's first teacher ancestor, i.e. the first ancestor of kind teacher).")
    var teacher: String?
    @Option(name: .customLong("run"), help: "Run directory (checkpoint, configuration).")
    var runDirectory = "runs/refine"
    @Option(
        help:
            "Generator method: fgm (flow generator matching), velocity-dmd (heuristic), anchor (endpoint regression alone) or adversarial (GAN on an own discriminator, plus the anchor).")
    var method: RefinementMethod = .fgm
    @Option(help: "SiD's α: L = 2⟨Δ, u_T − u_c⟩ − 2α‖Δ‖² (0.5 is FGM).")
    var alpha = 0.5
    @Option(help: "Teacher guidance scale (default: the teacher's own default).")
    var guidance: Double?
    @Option(
        help:
            "Guidance scale of the fake network's field: 1 is its plain label-conditional output; the teacher's scale makes it start as exactly the guided teacher.")
    var fakeGuidance = 1.0
    @Option(help: "LOW,HIGH: training times as fractions of the horizon T.")
    var timeRange = "0.05,0.9"
    @Option(help: "Generator updates (after the fake's warm-up).")
    var steps = 1000
    @Option(help: "Fake-only updates before the first generator update.")
    var fakeWarmup = 500
    @Option(help: "Mini-batch size (even).")
    var batchSize = 64
    @Option(help: "Generator learning rate (Adam).")
    var learningRate = 2e-5
    @Option(help: "Fake learning rate (default: the generator's).")
    var fakeLearningRate: Double?
    @Option(help: "Adam β₁ of both networks.")
    var adamBeta1 = 0.0
    @Option(help: "Gradient-norm clip of both networks.")
    var clip = 1.0
    @Option(help: "EMA decay of the generator (the published weights).")
    var ema = 0.9995
    @Option(help: "Weight of the regression onto the anchor model's endpoints from the same priors (0: none).")
    var anchorWeight = 0.0
    @Option(help: "Generator steps over which the anchor weight falls linearly to 0 (0: constant).")
    var anchorDecay = 0
    @Option(help: "Prior draws in the anchor pool (made once per run, kept in RUN/anchor-pool.safetensors).")
    var anchorPool = 4096
    @Option(help: "The anchor model, sampled at its own steps (default: the teacher at --guidance).")
    var anchorModel: String?
    @Option(help: "Weight of the generator's GAN loss (method adversarial; default 1 there).")
    var adversarialWeight: Double?
    @Option(help: "The discriminator's real samples: data (the training set) or teacher (the anchor pool's endpoints).")
    var real: RefinementConfiguration.RealSamples = .data
    @Option(help: "Discriminator learning rate (Adam, β₁ 0, β₂ 0.99).")
    var discriminatorLearningRate = 1e-4
    @Option(help: "γ of the discriminator's R1 penalty (γ/2)·E‖∇d(real)‖².")
    var r1 = 1.0
    @Option(help: "Base width of the discriminator.")
    var discriminatorWidth = 32
    @Option(help: "Seed of labels, priors, times and Kac draws.")
    var seed: UInt64 = 1
    @Option(help: "Write the checkpoint every N fake updates.")
    var checkpointEvery = 100
    @Option(help: "One progress line every N updates.")
    var logEvery = 10
    @Option(help: "Judge the EMA generator every N generator steps (0: only at the end).")
    var evalEvery = 0
    @Option(help: "Samples per evaluation.")
    var evalSamples = 1000
    @Option(help: "Seed of the evaluation samples (kac eval's default, so rows compare).")
    var evalSeed: UInt64 = 7
    @Option(help: "A second, independent classifier scoring the same samples ('none' to skip).")
    var secondClassifier = "fashion-mnist/classifier@1"
    @Option(help: "Publish the EMA generator when the run is finished, as this name (e.g. fashion-mnist/student-1).")
    var publish: String?
    @Option(name: .customLong("tag"), help: "Tag to move to the published version (repeatable).")
    var tags: [String] = []
    @Option(help: "Weights precision when publishing: f16 or f32.")
    var dtype: TensorDType = .f16
    @OptionGroup var zoo: ZooLocation
    @OptionGroup var judgeOptions: JudgeOptions
    @OptionGroup var threads: ThreadOptions

    func run() throws {
        threads.install()
        let store = try zoo.open(create: publish != nil)
        let studentModel = try ZooVelocityModel.load(student, from: store)
        guard studentModel.manifest.details.kind == .student, studentModel.defaults.steps == 1 else {
            throw ValidationError("\(studentModel.label) is not a one-step student; refine a student whose sampler takes 1 step")
        }
        guard studentModel.defaults.guidance == 1, !studentModel.architecture.hasGuidanceInput else {
            throw ValidationError(
                "\(studentModel.label) is sampled with guidance \(studentModel.defaults.guidance); refine a student with guidance baked in (sampled at s = 1)")
        }
        let teacherModel = try ZooVelocityModel.load(try teacherReference(of: studentModel, in: store), from: store)
        guard teacherModel.path == studentModel.path else {
            throw ValidationError("\(studentModel.label) and \(teacherModel.label) use different Kac paths")
        }
        var configuration = RefinementConfiguration(totalSteps: steps)
        configuration.method = method
        configuration.alpha = alpha
        configuration.teacherGuidance = guidance ?? teacherModel.defaults.guidance
        configuration.fakeGuidance = fakeGuidance
        configuration.timeRange = try Self.range(timeRange)
        configuration.batchSize = batchSize
        configuration.generatorLearningRate = learningRate
        configuration.fakeLearningRate = fakeLearningRate ?? learningRate
        configuration.adamBeta1 = adamBeta1
        configuration.gradientClipNorm = clip
        configuration.emaDecay = ema
        configuration.fakeWarmupSteps = fakeWarmup
        configuration.seed = seed
        configuration.anchorWeight = anchorWeight
        configuration.anchorDecaySteps = anchorDecay
        configuration.adversarialWeight = adversarialWeight ?? (method == .adversarial ? 1 : 0)
        configuration.realSamples = real
        configuration.discriminatorLearningRate = discriminatorLearningRate
        configuration.r1Weight = r1
        configuration.discriminatorWidth = discriminatorWidth
        let anchor = try anchorSampler(teacher: teacherModel, guidance: configuration.teacherGuidance, store: store)
        if configuration.needsAnchorPool {
            configuration.anchorPoolSize = anchorPool
            configuration.anchorModel = anchor.description
        }
        do { try configuration.validate() } catch { throw ValidationError(error.description) }
        let header = RefinementState.Header(
            configuration: configuration,
            sources: RefinementSources(
                student: studentModel.label, studentBlob: studentModel.manifest.blob.description,
                teacher: teacherModel.label, teacherBlob: teacherModel.manifest.blob.description,
                command: Console.invocation),
            generatorArchitecture: studentModel.architecture, fakeArchitecture: teacherModel.architecture)
        try FileManager.default.createDirectory(atPath: runDirectory, withIntermediateDirectories: true)
        var pool: TeacherTrajectoryPool?
        if configuration.needsAnchorPool {
            Console.note("[\(Self.timestamp())] anchor pool: \(anchorPool) endpoints of \(anchor.description) (RUN/anchor-pool.safetensors)")
            pool = try RefinementAnchor.pool(
                network: anchor.model.network, architecture: anchor.model.architecture, path: anchor.model.path, steps: anchor.steps,
                guidance: anchor.guidance, count: anchorPool, seed: seed, file: runDirectory + "/anchor-pool.safetensors",
                progress: { done in  // about ten lines
                    if done == anchorPool || done * 10 / anchorPool > (done - 64) * 10 / anchorPool {
                        Console.note("[\(Self.timestamp())] anchor pool \(done)/\(anchorPool)")
                    }
                })
        }
        var realData: LabeledDataset?
        if method == .adversarial && real == .data {
            guard let name = studentModel.manifest.details.dataset?.name else {
                throw ValidationError("\(studentModel.label) records no dataset; the adversarial method needs its training data (or --real teacher)")
            }
            let builtIn = name.hasPrefix("toy:") ? String(name.dropFirst(4)) : name
            guard let data = try TrainingData.builtIn(builtIn, directory: judgeOptions.datasetDirectory, seed: seed) else {
                throw ValidationError("\(studentModel.label) was trained on '\(name)', not a built-in data set; use --real teacher")
            }
            realData = data.dataset
        }
        let refiner = try Refiner(
            header: header, teacherNetwork: teacherModel.network, path: teacherModel.path,
            studentWeights: studentModel.network.parameters, checkpointPath: runDirectory + "/checkpoint.safetensors",
            anchorPool: pool, realData: realData)
        refiner.checkpointEvery = checkpointEvery
        refiner.logEvery = logEvery
        refiner.log = { Console.note("[\(Self.timestamp())] " + $0) }
        Console.note(
            "refining \(studentModel.label) against \(teacherModel.label) at s = \(configuration.teacherGuidance): \(method.rawValue) α \(alpha), \(steps) steps of batch \(batchSize) after \(fakeWarmup) fake-only updates; OpenBLAS \(BLAS.coreName), \(BLAS.threadCount) threads"
        )
        let scorer = try RefinementScorer(
            judge: judgeOptions.settings, secondClassifier: secondClassifier, sampleCount: evalSamples, seed: evalSeed,
            zooPath: zoo.path, classCount: studentModel.architecture.classCount,
            dataset: studentModel.manifest.details.dataset?.name, log: Console.note)
        var lastRows: [EvaluationRow] = []
        refiner.evaluateEvery = evalEvery > 0 ? evalEvery : steps
        refiner.evaluate = { network, step in
            let (rows, line) = scorer.score(network, architecture: studentModel.architecture, path: studentModel.path, settings: studentModel.defaults, step: step)
            lastRows = rows
            return line
        }
        try refiner.run()
        Console.note("refinement finished at step \(refiner.state.step): \(runDirectory)/checkpoint.safetensors")
        if let publish {
            if lastRows.isEmpty {
                lastRows = scorer.score(
                    refiner.averagedGenerator(), architecture: studentModel.architecture, path: studentModel.path,
                    settings: studentModel.defaults, step: refiner.state.step
                ).rows
            }
            var metadata = [
                "refinement.method": method.rawValue, "refinement.alpha": String(alpha),
                "refinement.fakeGuidance": String(fakeGuidance),
                "refinement.teacher": teacherModel.label, "refinement.student": studentModel.label,
                "refinement.steps": String(refiner.state.step), "refinement.guidance": String(configuration.teacherGuidance),
            ]
            metadata["refinement.configuration"] = String(decoding: try JSONEncoder().encode(configuration), as: UTF8.self)
            let publication = VelocityModelPublication(
                name: publish, kind: .student, weights: refiner.state.generatorAverage.shadow,
                architecture: studentModel.architecture, path: studentModel.path, defaults: studentModel.defaults,
                classNames: studentModel.manifest.details.classNames, parent: studentModel.manifest.blob,
                dataset: studentModel.manifest.details.dataset, command: Console.invocation, seed: seed,
                trainingSteps: refiner.state.step, evaluations: lastRows.map { $0.manifestResult(judge: $0.model) }, metadata: metadata)
            let manifest = try publication.publish(to: store, dtype: dtype, tags: tags)
            Console.note("published \(manifest.label) (\(manifest.blob)); `kac zoo rollback \(manifest.name)` brings the previous version back")
        }
    }

    /// The anchor model and how it is sampled: --anchor-model at its own defaults, else the teacher at `guidance`.
    private func anchorSampler(teacher: ZooVelocityModel, guidance: Double, store: ModelStore) throws
        -> (model: ZooVelocityModel, steps: Int, guidance: Double, description: String)
    {
        let model = try anchorModel.map { try ZooVelocityModel.load($0, from: store) } ?? teacher
        guard model.path == teacher.path, model.architecture.sampleShape == teacher.architecture.sampleShape else {
            throw ValidationError("the anchor model \(model.label) does not sample the teacher's data on its Kac path")
        }
        let scale = anchorModel == nil ? guidance : model.defaults.guidance
        return (model, model.defaults.steps, scale, "\(model.label), \(model.defaults.steps) euler steps, s = \(scale)")
    }

    /// The teacher: --teacher, else the nearest ancestor of kind teacher through the parent blobs.
    private func teacherReference(of model: ZooVelocityModel, in store: ModelStore) throws -> String {
        if let teacher { return teacher }
        var ancestor = try store.parent(of: model.manifest)
        while let manifest = ancestor {
            if manifest.details.kind == .teacher { return manifest.label }
            ancestor = try store.parent(of: manifest)
        }
        throw ValidationError("\(model.label) has no teacher among its ancestors; name one with --teacher REF")
    }

    private static func range(_ text: String) throws -> ClosedRange<Double> {
        let parts = text.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let low = parts[0], let high = parts[1], low <= high else {
            throw ValidationError("--time-range takes LOW,HIGH with 0 < LOW ≤ HIGH ≤ 1, got '\(text)'")
        }
        return low...high
    }

    static func timestamp() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date())
    }
}

extension RefinementMethod: ExpressibleByArgument {}
extension RefinementConfiguration.RealSamples: ExpressibleByArgument {}
