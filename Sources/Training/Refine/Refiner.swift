// The refinement loop (docs/one-step-refinement.md), readable top to bottom. Each step draws labels
// and prior samples, makes the generator's one-jump samples x₀ = z − T·u_S(z, T, y), trains the fake
// velocity network on them with the teacher's own Kac loss (x₀ detached), and — after the fake's
// warm-up — moves the generator along the flow-generator-matching gradient. Every N fake updates the
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
    public private(set) var state: RefinementState
    public let checkpointPath: String
    public var checkpointEvery = 100
    public var logEvery = 10
    /// Progress and status lines (one per `logEvery` generator steps).
    public var log: (String) -> Void = { _ in }
    /// Called with the EMA generator every `evaluateEvery` generator steps (and at the end); returns a line to log.
    public var evaluateEvery = 0
    public var evaluate: ((any VelocityNetwork, Int) throws -> String)?
    /// Fault hook: throw `RefinementError.interrupted` after this many fake updates (after that update's checkpoint).
    public var interruptAfterFakeStep: Int?

    /// Starts a run, or resumes `checkpointPath` when it exists (refused unless it was made by the same
    /// configuration, networks and architectures; the step count may grow).
    public init(
        header: RefinementState.Header, teacherNetwork: any VelocityNetwork, path: KacPath.Configuration,
        studentWeights: ParameterSet, checkpointPath: String
    ) throws {
        try header.configuration.validate()
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
        }
        self.header = header
        generator.parameters = state.generator
        fake.parameters = state.fake
    }

    /// The EMA generator as a ready network (what evaluation and publication use).
    public func averagedGenerator() -> any VelocityNetwork {
        var scratch = RandomSource(seed: 0)
        let network = header.generatorArchitecture.makeNetwork(random: &scratch)
        network.parameters = state.generatorAverage.shadow
        return network
    }

    public var isWarmingUp: Bool { state.step == 0 && state.fakeSteps < configuration.fakeWarmupSteps }

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
    }

    /// One fake update and, after the warm-up, one generator update.
    public func step() -> StepReport {
        let c = configuration
        let count = c.batchSize, horizon = path.horizon
        let classCount = header.generatorArchitecture.classCount
        let labels = (0..<count).map { _ in classCount > 0 ? state.random.index(below: classCount) : 0 }
        let prior = path.prior(shape: [count] + header.generatorArchitecture.sampleShape, seed: state.random.next())
        let startTimes = [Float](repeating: Float(horizon), count: count)
        let jump = generator.velocity(prior, times: startTimes, labels: labels, guidance: nil)
        var samples = prior
        var outside = 0
        for i in 0..<samples.count {
            samples.scalars[i] -= Float(horizon) * jump.scalars[i]
            if abs(samples.scalars[i]) > Self.saturationLimit { outside += 1 }
        }
        let warming = isWarmingUp
        let shared = c.sharedFakePass && c.method == .fgm && c.alpha == 0.5 && !warming
        var report = StepReport(fakeLoss: 0, fakeNorm: 0, generator: nil, outOfRange: Double(outside) / Double(samples.count))
        if !shared {
            // The fake learns the generator's marginal velocity with the teacher's own loss (x₀ detached).
            let fakeTimes = drawTimes(count)
            let fakeBatch = path.noise(samples, times: fakeTimes, random: &state.random)
            let (fakeLoss, fakeGradients) = fakeField.regression(
                fakeBatch.noised, times: fakeTimes, labels: labels, target: fakeBatch.target)
            (report.fakeLoss, report.fakeNorm) = (fakeLoss, updateFake(fakeGradients))
            if warming { return report }
        }

        let times = drawTimes(count)
        let matching = GeneratorMatching.gradient(
            samples: samples, labels: labels, times: times, path: path, teacher: teacher, fake: fakeField,
            method: c.method, alpha: c.alpha, random: &state.random)
        var dJump = matching.dSamples
        for i in 0..<dJump.count { dJump.scalars[i] *= -Float(horizon) }  // x₀ = z − T·u_S
        let gradients = generator.parameterGradients(prior, times: startTimes, labels: labels, outputGradient: dJump)
        var weights = state.generator
        let norm = state.generatorOptimizer.update(&weights, gradients: gradients, clippingNormTo: Float(c.gradientClipNorm))
        state.generator = weights
        generator.parameters = weights
        state.generatorAverage.update(with: weights)
        state.step += 1
        if shared, let regression = matching.fakeRegression {
            (report.fakeLoss, report.fakeNorm) = (regression.loss, updateFake(regression.gradients))
        }
        report.generator = (matching.loss, matching.discrepancy, norm)
        return report
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
                log(window.line(step: state.step, total: total, fakeSteps: state.fakeSteps, warming: warming, secondsPerStep: seconds, remaining: remaining))
                window = ProgressWindow()
                lastLog = Date()
                stepsSinceLog = 0
            }
            if state.fakeSteps % checkpointEvery == 0 || state.step == total { try save() }
            if let evaluate, !warming, evaluateEvery > 0, state.step % evaluateEvery == 0 || state.step == total {
                log("eval step \(state.step): " + (try evaluate(averagedGenerator(), state.step)))
            }
            if state.fakeSteps == interruptAfterFakeStep { throw RefinementError.interrupted(step: state.step) }
        }
    }
}

/// Means over the steps since the last progress line.
struct ProgressWindow {
    var count = 0, generatorCount = 0
    var fakeLoss = 0.0, fakeNorm = 0.0, loss = 0.0, discrepancy = 0.0, norm = 0.0, outOfRange = 0.0

    mutating func add(_ report: Refiner.StepReport) {
        count += 1
        fakeLoss += Double(report.fakeLoss)
        fakeNorm += Double(report.fakeNorm)
        outOfRange += report.outOfRange
        if let g = report.generator {
            generatorCount += 1
            (loss, discrepancy, norm) = (loss + g.loss, discrepancy + g.discrepancy, norm + Double(g.norm))
        }
    }

    func line(step: Int, total: Int, fakeSteps: Int, warming: Bool, secondsPerStep: Double, remaining: Double) -> String {
        let n = Double(max(count, 1)), m = Double(max(generatorCount, 1))
        var text = warming ? "warm-up fake \(fakeSteps)" : "step \(step)/\(total) fake \(fakeSteps)"
        text += String(format: "  fake-loss %.4f |g_fake| %.3f", fakeLoss / n, fakeNorm / n)
        if generatorCount > 0 { text += String(format: "  D %.5f L %+.5f |g_gen| %.3f", discrepancy / m, loss / m, norm / m) }
        text += String(format: "  |x0|>1.1 %.2f%%  %.2f s/step  ETA %.1f h", 100 * outOfRange / n, secondsPerStep, remaining / 3600)
        return text
    }
}
