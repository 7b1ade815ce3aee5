// `kac refine`: the second phase after endpoint distillation (docs/one-step-refinement.md). It starts
// from a published student (one or several Euler steps) and moves it by flow generator matching against the guided
// teacher, with an online "fake" velocity network started as a copy of the teacher. The run lives in
// one directory (RUN/checkpoint.safetensors, RUN/refinement.json); re-running the same command resumes
// it, and a larger --steps extends it. No classifier takes part in training: the judges only score.
import ArgumentParser
import Foundation
import ToolSupport
import Training

struct RefineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refine",
        abstract: "Refine a distilled student (its own S-step Euler render) against its teacher (resumes from RUN).",
        discussion: """
            Exit codes: 0 done, 64 bad options or a RUN started differently, 65 damaged checkpoint or a
            diverged run, 66 model not found, 74 I/O error, 75 interrupted (Ctrl-C or SIGTERM: the update in
            progress finishes and the checkpoint is written; run the same command to resume).
            """)

    @Option(help: "The student to refine (zoo reference; its sampler's S Euler steps are rendered and backpropagated, S× the cost of one).")
    var student: String
    @Option(help: "The teacher (zoo reference; default: the student's first teacher ancestor, i.e. the first ancestor of kind teacher).")
    var teacher: String?
    @Option(name: .customLong("run"), help: "Run directory (checkpoint, configuration).") var runDirectory = "runs/refine"
    @Option(
        help:
            "Generator method: fgm (flow generator matching), velocity-dmd (heuristic), anchor (endpoint regression alone) or adversarial (GAN on an own discriminator, plus the anchor)."
    )
    var method: RefinementMethod = .fgm
    @Option(help: "SiD's α: L = 2⟨Δ, u_T − u_c⟩ − 2α‖Δ‖² (0.5 is FGM).") var alpha = 0.5
    @Option(help: "Teacher guidance scale (default: the teacher's own default).") var guidance: Double?
    @Option(
        help:
            "Guidance scale of the fake network's field: 1 is its plain label-conditional output; the teacher's scale makes it start as exactly the guided teacher."
    )
    var fakeGuidance = 1.0
    @Option(help: "LOW,HIGH: training times as fractions of the horizon T.") var timeRange = "0.05,0.9"
    @Option(help: "Generator updates (after the fake's warm-up).") var steps = 1000
    @Option(help: "Fake-only updates before the first generator update.") var fakeWarmup = 500
    @Option(help: "Mini-batch size (even).") var batchSize = 64
    @Option(help: "Generator learning rate (Adam).") var learningRate = 2e-5
    @Option(help: "Fake learning rate (default: the generator's).") var fakeLearningRate: Double?
    @Option(help: "Adam β₁ of both networks.") var adamBeta1 = 0.0
    @Option(help: "Gradient-norm clip of both networks.") var clip = 1.0
    @Option(help: "EMA decay of the generator (the published weights).") var ema = 0.9995
    @Option(help: "Weight of the regression onto the anchor model's endpoints from the same priors (0: none).") var anchorWeight = 0.0
    @Option(help: "Generator steps over which the anchor weight falls linearly to 0 (0: constant).") var anchorDecay = 0
    @Option(help: "Prior draws in the anchor pool (made once per run, kept in RUN/anchor-pool.safetensors).") var anchorPool = 4096
    @Option(help: "The anchor model, sampled at its own steps (default: the teacher at --guidance).") var anchorModel: String?
    @Option(help: "Weight of the generator's GAN loss (method adversarial; default 1 there).") var adversarialWeight: Double?
    @Option(help: "The discriminator's real samples: data (the training set) or teacher (the anchor pool's endpoints).")
    var real: RefinementConfiguration.RealSamples = .data
    @Option(help: "γ: draw the training images the discriminator sees with probability ∝ p(y|x)^γ within each class, p from the run's own cross-fitted classifier (guidance s targets γ = s − 1; 0: uniformly).")
    var realTilt = 0.0
    @Option(help: "Discriminator learning rate (Adam, β₁ 0, β₂ 0.99).") var discriminatorLearningRate = 1e-4
    @Option(help: "Generator step from which every learning rate falls linearly to 0 over --rate-decay steps.") var rateDecayFrom = 0
    @Option(help: "Generator steps over which every learning rate (generator, fake, discriminator) falls linearly to 0 from --rate-decay-from (0: constant), so a GAN settles instead of drifting.")
    var rateDecay = 0
    @Option(help: "Start a new run's discriminator (weights and Adam state) from another refinement run's checkpoint.safetensors (same --discriminator-width and data shape).")
    var discriminatorFrom: String?
    @Option(help: "Start a new run from another refinement run's checkpoint.safetensors — generator, EMA, optimisers, discriminator, steps — continued under this run's options (same student, teacher and networks).")
    var branchFrom: String?
    @Option(help: "γ of the discriminator's R1 penalty (γ/2)·E‖∇d(real)‖².") var r1 = 1.0
    @Option(help: "Base width of the discriminator.") var discriminatorWidth = 32
    @Option(help: "Seed of labels, priors, times and Kac draws.") var seed: UInt64 = 1
    @Option(help: "Write the checkpoint every N fake updates.") var checkpointEvery = 100
    @Option(help: "One progress line every N updates.") var logEvery = 10
    @Option(help: "Judge the EMA generator every N generator steps (0: only at the end).") var evalEvery = 0
    @OptionGroup var evaluation: EvaluationSampleOptions
    @Option(help: "A second, independent classifier scoring the same samples ('none' to skip).")
    var secondClassifier = "fashion-mnist/classifier@1"
    @Flag(help: "After each evaluation keep the best EMA generator so far in RUN/best.safetensors (by the second classifier's FD among evaluations within 0.01 of its best accuracy); --publish then publishes it.")
    var keepBest = false
    @Flag(help: "Keep every evaluation's EMA generator in RUN/snapshots/step-N.safetensors.") var snapshots = false
    @Option(help: "Publish when the run is finished, as this name (e.g. fashion-mnist/student-1): RUN/best.safetensors when it exists, else the EMA generator.") var publish: String?
    @OptionGroup var published: PublicationOptions
    @OptionGroup var zoo: ZooLocation
    @OptionGroup var judgeOptions: JudgeOptions
    @OptionGroup var threads: ThreadOptions

    func run() throws {
        threads.install()
        var configuration = RefinementConfiguration(totalSteps: steps)
        (configuration.method, configuration.alpha, configuration.fakeGuidance) = (method, alpha, fakeGuidance)
        configuration.timeRange = try Self.range(timeRange)
        (configuration.batchSize, configuration.generatorLearningRate, configuration.adamBeta1) = (batchSize, learningRate, adamBeta1)
        (configuration.gradientClipNorm, configuration.emaDecay, configuration.fakeWarmupSteps) = (clip, ema, fakeWarmup)
        (configuration.seed, configuration.anchorWeight, configuration.anchorDecaySteps) = (seed, anchorWeight, anchorDecay)
        (configuration.realSamples, configuration.discriminatorLearningRate) = (real, discriminatorLearningRate)
        (configuration.r1Weight, configuration.discriminatorWidth, configuration.realTilt) = (r1, discriminatorWidth, realTilt)
        (configuration.rateDecayStart, configuration.rateDecaySteps) = (rateDecayFrom, rateDecay)
        var run = RefinementRun(
            student: student, directory: runDirectory, configuration: configuration, judge: judgeOptions.settings,
            command: Console.invocation)
        (run.teacher, run.teacherGuidance, run.fakeLearningRate, run.adversarialWeight) = (
            teacher, guidance, fakeLearningRate, adversarialWeight
        )
        (run.anchorPoolSize, run.anchorModel, run.checkpointEvery, run.logEvery) = (anchorPool, anchorModel, checkpointEvery, logEvery)
        (run.evaluateEvery, run.evaluationSamples, run.evaluationSeed) = (evalEvery, evaluation.evalSamples, evaluation.evalSeed)
        (run.secondClassifier, run.keepBest, run.snapshots) = (secondClassifier, keepBest, snapshots)
        (run.discriminatorFrom, run.branchFrom) = (discriminatorFrom, branchFrom)
        InterruptSignal.install(purpose: "finishing the update and writing the checkpoint")
        run.shouldStop = { InterruptSignal.isRequested }
        run.publication = publish.map { RefinementRun.Publication(name: $0, tags: published.tags, dtype: published.dtype) }
        let store = try zoo.open(create: publish != nil)
        if let manifest = try run.run(store: store, zooPath: zoo.path, log: Console.note) {
            Console.note(
                "published \(manifest.label) (\(manifest.blob)); `kac zoo rollback \(manifest.name)` brings the previous version back")
        }
    }

    private static func range(_ text: String) throws -> ClosedRange<Double> {
        let parts = text.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let low = parts[0], let high = parts[1], low <= high else {
            throw ValidationError("--time-range takes LOW,HIGH with 0 < LOW ≤ HIGH ≤ 1, got '\(text)'")
        }
        return low...high
    }
}

extension RefinementMethod: ExpressibleByArgument {}
extension RefinementConfiguration.RealSamples: ExpressibleByArgument {}
