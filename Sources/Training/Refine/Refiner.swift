// The refinement loop (docs/one-step-refinement.md), readable top to bottom. Each step draws labels
// and prior samples, makes the generator's samples — the student's own S-step Euler render, for
// S = 1 the one jump x₀ = z − T·u_S(z, T, y) (StudentRender) — trains the critic on them (x₀
// detached), and — after the critic's warm-up — moves the generator along its method's gradient,
// backpropagated through the S steps. Every N fake updates the
// whole state goes atomically into RUN/checkpoint.safetensors; a killed run resumed from it
// continues exactly (all randomness lives in the checkpointed RandomSource).
import Foundation
import Generation
import KacFlow
import NeuralNet
import TensorCore

public final class Refiner {
    public let header: RefinementState.Header
    public var configuration: RefinementConfiguration { header.configuration }
    public let path: KacPath
    public let teacher: GuidedField
    /// The fake network under its own guidance scale (`fakeGuidance`).
    let fakeField: GuidedField
    /// Live weights (the state's `generator` and `fake` are copied in after every update).
    let generator: any VelocityNetwork
    let fake: any VelocityNetwork
    /// Method adversarial only.
    let discriminator: Discriminator?
    /// The anchor model's (prior, label, endpoint) triples; given when `configuration.needsAnchorPool`.
    let anchorPool: TeacherTrajectoryPool?
    /// The discriminator's real samples when `realSamples` is `.data`.
    let realData: LabeledDataset?
    /// Draws the real samples' indices when `realTilt` > 0 (else they are uniform).
    let realSampler: WeightedIndexSampler?
    public internal(set) var state: RefinementState
    public let checkpointPath: String
    public var checkpointEvery = 100
    public var logEvery = 10
    /// Progress and status lines (one per `logEvery` generator steps).
    public var log: (String) -> Void = { _ in }
    /// Called with the EMA generator every `evaluateEvery` generator steps (and at the end); returns a line to log.
    public var evaluateEvery = 0
    public var evaluate: ((any VelocityNetwork, Int) throws -> String)?
    /// Fault hook: throw `RefinementError.interrupted` when `updateCount` reaches this (after that update's checkpoint).
    public var interruptAfterFakeStep: Int?
    /// Asked after every update (Ctrl-C, SIGTERM): when true the checkpoint is written and
    /// `RefinementError.interrupted` thrown, so a stopped run loses no update.
    public var shouldStop: () -> Bool = { false }

    /// Starts a run, or resumes `checkpointPath` when it exists (refused unless it was made by the same
    /// configuration, networks and architectures; the step count may grow). `anchorPool` is needed when
    /// the configuration has an anchor or takes the teacher's samples as real; `realData` (and, with
    /// `realTilt` > 0, `realTilt`: p_c(y_i | x_i) of each of its samples, RealTilt) for the
    /// adversarial method on data.
    public init(
        header: RefinementState.Header, teacherNetwork: any VelocityNetwork, path: KacPath.Configuration,
        studentWeights: ParameterSet, checkpointPath: String, anchorPool: TeacherTrajectoryPool? = nil,
        realData: LabeledDataset? = nil, realTilt: [Float]? = nil
    ) throws {
        try header.configuration.validate()
        try Self.checkInputs(header: header, anchorPool: anchorPool, realData: realData, realTilt: realTilt)
        (self.anchorPool, self.realData) = (anchorPool, realData)
        if let realData, let realTilt {
            realSampler = WeightedIndexSampler(tilt: realTilt, labels: realData.labels, gamma: header.configuration.realTilt)
        } else {
            realSampler = nil
        }
        guard header.generatorArchitecture.sampleShape == header.fakeArchitecture.sampleShape,
            header.generatorArchitecture.classCount == header.fakeArchitecture.classCount
        else { throw RefinementError.incompatibleNetworks("the student's data shape or class count differs from the teacher's") }
        guard !header.fakeArchitecture.hasGuidanceInput else {
            throw RefinementError.incompatibleNetworks("the teacher takes the guidance scale as an input; refine against a classifier-free-guided teacher")
        }
        guard !header.generatorArchitecture.hasGuidanceInput else {
            throw RefinementError.incompatibleNetworks("guidance-conditioned students are not supported; refine a student with guidance baked in")
        }
        self.path = KacPath(configuration: path)
        self.checkpointPath = checkpointPath
        teacher = GuidedField(
            network: teacherNetwork, nullLabel: header.fakeArchitecture.classCount,
            guidance: Float(header.configuration.teacherGuidance))
        var scratch = RandomSource(seed: 0)
        generator = header.generatorArchitecture.makeNetwork(random: &scratch)
        fake = header.fakeArchitecture.makeNetwork(random: &scratch)
        fakeField = GuidedField(
            network: fake, nullLabel: header.fakeArchitecture.classCount, guidance: Float(header.configuration.fakeGuidance))
        var drawn = RandomSource(seed: header.configuration.seed, stream: 37)
        discriminator = header.discriminatorArchitecture.map { Discriminator(architecture: $0, random: &drawn) }
        if FileManager.default.fileExists(atPath: checkpointPath) {
            let (saved, state) = try RefinementState.load(from: checkpointPath)
            guard saved.configuration.continues(as: header.configuration) else {
                throw RefinementError.runMismatch(path: checkpointPath, reason: "its configuration differs: \(saved.configuration)")
            }
            guard saved.sources.sameNetworks(as: header.sources), saved.generatorArchitecture == header.generatorArchitecture,
                saved.fakeArchitecture == header.fakeArchitecture
            else {
                throw RefinementError.runMismatch(
                    path: checkpointPath, reason: "it refines \(saved.sources.student) against \(saved.sources.teacher)")
            }
            self.state = state
        } else {
            self.state = RefinementState(student: studentWeights, fake: teacherNetwork.parameters, configuration: header.configuration)
            if let discriminator { state.attachDiscriminator(discriminator.parameters, configuration: header.configuration) }
        }
        self.header = header
        generator.parameters = state.generator
        fake.parameters = state.fake
        if let discriminator, let weights = state.discriminator { discriminator.parameters = weights }
    }

    /// The EMA generator as a ready network (what evaluation and publication use).
    public func averagedGenerator() -> any VelocityNetwork {
        var scratch = RandomSource(seed: 0)
        let network = header.generatorArchitecture.makeNetwork(random: &scratch)
        network.parameters = state.generatorAverage.shadow
        return network
    }

    public var isWarmingUp: Bool {
        configuration.method != .anchor && state.step == 0 && state.fakeSteps < configuration.fakeWarmupSteps
    }

    /// What checkpoints and the interruption hook count: critic (fake or discriminator) updates, or,
    /// for the anchor alone, generator steps.
    public var updateCount: Int { configuration.method == .anchor ? state.step : state.fakeSteps }

    /// |x₀| beyond which a generated pixel counts as saturated: data lie in [−1, 1], and a one-step
    /// student's backgrounds scatter around −1 (28 % of student-1@3's values exceed 1 in magnitude,
    /// one batch of 64), so ±1 would count ordinary backgrounds as saturated.
    public static let saturationLimit: Float = 1.1

    /// What one call of `step()` measured.
    public struct StepReport: Sendable {
        public var fakeLoss: Float
        public var fakeNorm: Float
        /// nil during the warm-up.
        public var generator: (loss: Double, discrepancy: Double, norm: Float)?
        /// Fraction of generated values beyond ±`saturationLimit`.
        public var outOfRange: Double
        /// Mean (x₀ − x̄)² per element against the anchor's endpoints (anchor on only).
        public var anchorError: Double?
        /// Method adversarial: mean logits on real and generated samples and mean ‖∇ₓd(real)‖².
        public var critic: (real: Float, fake: Float, penalty: Float)?
    }

    /// One critic update (fake or discriminator; none for the anchor alone) and, after the warm-up, one
    /// generator update.
    public func step() -> StepReport {
        let c = configuration
        scheduleLearningRates()
        let count = c.batchSize, horizon = path.horizon
        let batch = drawGeneratorBatch(count)
        let labels = batch.labels
        // The student's own S-step render (S = 1: x₀ = z − T·u_S(z, T, y)), its inputs kept for the backward pass.
        let render = StudentRender.render(generator, prior: batch.prior, labels: labels, horizon: Float(horizon), steps: c.studentSteps)
        let samples = render.sample
        let outside = samples.scalars.reduce(0) { $0 + (abs($1) > Self.saturationLimit ? 1 : 0) }
        let warming = isWarmingUp
        let shared = c.sharedFakePass && c.method == .fgm && c.alpha == 0.5 && !warming
        var report = StepReport(fakeLoss: 0, fakeNorm: 0, generator: nil, outOfRange: Double(outside) / Double(samples.count))
        var dSamples = Tensor(shape: samples.shape, repeating: 0)
        var loss = 0.0, discrepancy = 0.0
        var fakeRegression: (loss: Float, gradients: ParameterSet)?
        switch c.method {
        case .fgm, .velocityDMD:
            if !shared {
                // The fake learns the generator's marginal velocity with the teacher's own loss (x₀ detached).
                let fakeTimes = drawTimes(count)
                let fakeBatch = path.noise(samples, times: fakeTimes, random: &state.random)
                let (fakeLoss, fakeGradients) = fakeField.regression(
                    fakeBatch.noised, times: fakeTimes, labels: labels, target: fakeBatch.target)
                (report.fakeLoss, report.fakeNorm) = (fakeLoss, updateFake(fakeGradients))
                if warming { return report }
            }
            let matching = GeneratorMatching.gradient(
                samples: samples, labels: labels, times: drawTimes(count), path: path, teacher: teacher, fake: fakeField,
                method: c.method, alpha: c.alpha, random: &state.random)
            (dSamples, loss, discrepancy, fakeRegression) = (matching.dSamples, matching.loss, matching.discrepancy, matching.fakeRegression)
        case .adversarial:
            updateDiscriminator(fake: samples, labels: labels, report: &report)
            if warming { return report }
            if let discriminator {
                let adversarial = AdversarialTerm.generatorGradient(discriminator, samples: samples, labels: labels)
                let weight = Float(c.adversarialWeight)
                for i in 0..<dSamples.count { dSamples.scalars[i] = weight * adversarial.dSamples.scalars[i] }
                loss = c.adversarialWeight * adversarial.loss
            }
        case .anchor:
            break
        }
        if let targets = batch.anchorTargets {
            report.anchorError = addAnchorGradient(samples: samples, targets: targets, into: &dSamples, loss: &loss)
        }
        let gradients = render.parameterGradients(generator, dSample: dSamples)
        var weights = state.generator
        let norm = state.generatorOptimizer.update(&weights, gradients: gradients, clippingNormTo: Float(c.gradientClipNorm))
        state.generator = weights
        generator.parameters = weights
        state.generatorAverage.update(with: weights)
        state.step += 1
        if shared, let regression = fakeRegression {
            (report.fakeLoss, report.fakeNorm) = (regression.loss, updateFake(regression.gradients))
        }
        report.generator = (loss, discrepancy, norm)
        return report
    }

    /// Sets every optimiser's rate for this update from the configuration and the generator step, so a
    /// resumed or branched run follows the same schedule (also what an adopted optimiser is given).
    func scheduleLearningRates() {
        let factor = configuration.rateFactor(atStep: state.step)
        state.generatorOptimizer.learningRate = Float(configuration.generatorLearningRate * factor)
        state.fakeOptimizer.learningRate = Float(configuration.fakeLearningRate * factor)
        state.discriminatorOptimizer?.learningRate = Float(configuration.discriminatorLearningRate * factor)
    }

    /// One Adam step of the fake; returns the gradient norm before clipping.
    private func updateFake(_ gradients: ParameterSet) -> Float {
        var weights = state.fake
        let norm = state.fakeOptimizer.update(&weights, gradients: gradients, clippingNormTo: Float(configuration.gradientClipNorm))
        state.fake = weights
        fake.parameters = weights
        state.fakeSteps += 1
        return norm
    }

    /// t ~ U[lower·T, upper·T] per sample.
    private func drawTimes(_ count: Int) -> [Float] {
        let (low, high, horizon) = (configuration.timeRange.lowerBound, configuration.timeRange.upperBound, path.horizon)
        return (0..<count).map { _ in Float(horizon * (low + (high - low) * state.random.uniform())) }
    }

    public func save() throws { try state.save(header: header, to: checkpointPath) }

    /// Runs the warm-up, then generator steps up to `totalSteps`, logging, checkpointing and evaluating.
    public func run() throws {
        let total = configuration.totalSteps
        var window = ProgressWindow()
        var lastLog = Date()
        var stepsSinceLog = 0
        if state.step > 0 || state.fakeSteps > 0 { log("resuming at generator step \(state.step), fake update \(state.fakeSteps)") }
        while state.step < total {
            let report = step()
            guard report.fakeLoss.isFinite, report.generator.map({ $0.discrepancy.isFinite && $0.norm.isFinite }) ?? true else {
                throw RefinementError.diverged(step: state.step, what: "fake loss \(report.fakeLoss), generator \(String(describing: report.generator))")
            }
            window.add(report)
            stepsSinceLog += 1
            let warming = report.generator == nil
            if stepsSinceLog >= logEvery {
                let seconds = Date().timeIntervalSince(lastLog) / Double(stepsSinceLog)
                let remaining = Double(total - state.step + max(0, configuration.fakeWarmupSteps - state.fakeSteps)) * seconds
                log(
                    window.line(
                        step: state.step, total: total, fakeSteps: state.fakeSteps, warming: warming, method: configuration.method,
                        rateFactor: configuration.rateFactor(atStep: state.step), secondsPerStep: seconds, remaining: remaining))
                window = ProgressWindow()
                lastLog = Date()
                stepsSinceLog = 0
            }
            if updateCount % checkpointEvery == 0 || state.step == total { try save() }
            if let evaluate, !warming, evaluateEvery > 0, state.step % evaluateEvery == 0 || state.step == total {
                log("eval step \(state.step): " + (try evaluate(averagedGenerator(), state.step)))
            }
            if updateCount == interruptAfterFakeStep { throw RefinementError.interrupted(step: state.step) }
            if shouldStop() {
                try save()
                throw RefinementError.interrupted(step: state.step)
            }
        }
    }
}
