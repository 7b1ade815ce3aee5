// The complete mutable state of a refinement run and its one checkpoint file: generator weights,
// their EMA and Adam moments, the fake network's weights and Adam moments, the step counts and the
// RandomSource — so a run resumed from its checkpoint continues exactly where it stopped.
// Written atomically (temp, fsync, rename): a crash leaves the previous checkpoint intact.
// Tensor prefixes: generator. generator-ema. generator-adam-m. generator-adam-v. fake. fake-adam-m.
// fake-adam-v. and, for the adversarial method, discriminator. discriminator-adam-m. discriminator-adam-v.
// (no prefix is a prefix of another); metadata: format, steps, Adam step counts,
// random state, configuration, sources and both architectures (JSON).
import DiskIO
import Foundation
import Generation
import ModelStore
import NeuralNet
import TensorCore
import Vocabulary

public struct RefinementState: Sendable {
    /// Generator updates made (after the warm-up).
    public var step: Int
    /// Fake updates made (warm-up included).
    public var fakeSteps: Int
    public var generator: ParameterSet
    public var generatorOptimizer: Adam
    public var generatorAverage: ExponentialMovingAverage
    public var fake: ParameterSet
    public var fakeOptimizer: Adam
    public var random: RandomSource
    /// Method adversarial only: the discriminator's weights and Adam state (β₁ 0, β₂ 0.99).
    public var discriminator: ParameterSet?
    public var discriminatorOptimizer: Adam?

    public static let format = "kac-refinement-checkpoint/1"

    /// A fresh run: the generator starts at the student's weights, the fake at the teacher's.
    public init(student: ParameterSet, fake: ParameterSet, configuration: RefinementConfiguration) {
        step = 0
        fakeSteps = 0
        generator = student
        self.fake = fake
        generatorOptimizer = Adam(for: student, learningRate: Float(configuration.generatorLearningRate))
        generatorOptimizer.beta1 = Float(configuration.adamBeta1)
        fakeOptimizer = Adam(for: fake, learningRate: Float(configuration.fakeLearningRate))
        fakeOptimizer.beta1 = Float(configuration.adamBeta1)
        generatorAverage = ExponentialMovingAverage(of: student, decay: Float(configuration.emaDecay))
        random = RandomSource(seed: configuration.seed, stream: 31)
    }

    /// Gives a fresh run its discriminator (weights drawn from `architecture`; none unless `architecture`).
    mutating func attachDiscriminator(_ weights: ParameterSet, configuration: RefinementConfiguration) {
        discriminator = weights
        var optimizer = Adam(for: weights, learningRate: Float(configuration.discriminatorLearningRate))
        optimizer.beta1 = 0
        optimizer.beta2 = 0.99
        discriminatorOptimizer = optimizer
    }

    /// What a checkpoint records besides the tensors.
    public struct Header: Codable, Sendable, Equatable {
        public var configuration: RefinementConfiguration
        public var sources: RefinementSources
        public var generatorArchitecture: NetworkArchitecture
        public var fakeArchitecture: NetworkArchitecture
        /// Method adversarial only (absent from older checkpoints).
        public var discriminatorArchitecture: DiscriminatorArchitecture?

        public init(
            configuration: RefinementConfiguration, sources: RefinementSources, generatorArchitecture: NetworkArchitecture,
            fakeArchitecture: NetworkArchitecture
        ) {
            (self.configuration, self.sources) = (configuration, sources)
            (self.generatorArchitecture, self.fakeArchitecture) = (generatorArchitecture, fakeArchitecture)
            if configuration.method == .adversarial {
                discriminatorArchitecture = DiscriminatorArchitecture(
                    sampleShape: generatorArchitecture.sampleShape, classCount: generatorArchitecture.classCount,
                    width: configuration.discriminatorWidth)
            }
        }
    }

    public func save(header: Header, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let tensors =
            generator.namedTensors(prefix: "generator.") + generatorAverage.shadow.namedTensors(prefix: "generator-ema.")
            + generatorOptimizer.firstMoment.namedTensors(prefix: "generator-adam-m.")
            + generatorOptimizer.secondMoment.namedTensors(prefix: "generator-adam-v.")
            + fake.namedTensors(prefix: "fake.") + fakeOptimizer.firstMoment.namedTensors(prefix: "fake-adam-m.")
            + fakeOptimizer.secondMoment.namedTensors(prefix: "fake-adam-v.")
            + (discriminator?.namedTensors(prefix: "discriminator.") ?? [])
            + (discriminatorOptimizer?.firstMoment.namedTensors(prefix: "discriminator-adam-m.") ?? [])
            + (discriminatorOptimizer?.secondMoment.namedTensors(prefix: "discriminator-adam-v.") ?? [])
        var metadata = [
            "format": Self.format,
            "step": String(step),
            "fakeSteps": String(fakeSteps),
            "generator.adam.step": String(generatorOptimizer.stepCount),
            "fake.adam.step": String(fakeOptimizer.stepCount),
            "random": random.state.map(String.init).joined(separator: ","),
            "header": String(decoding: try encoder.encode(header), as: UTF8.self),
        ]
        if let discriminatorOptimizer { metadata["discriminator.adam.step"] = String(discriminatorOptimizer.stepCount) }
        try AtomicFile.write(try Safetensors.encode(Checkpoint(tensors: tensors, metadata: metadata)), to: path)
    }

    /// Reads a checkpoint written by `save`; every failure is a `RefinementError.corruptCheckpoint`.
    public static func load(from path: String) throws(RefinementError) -> (header: Header, state: RefinementState) {
        let checkpoint: Checkpoint
        do { checkpoint = try Safetensors.read(from: path) } catch {
            throw .corruptCheckpoint(path: path, reason: Reason(cause: error))
        }
        let metadata = checkpoint.metadata
        guard metadata["format"] == format else {
            throw .corruptCheckpoint(path: path, reason: "format \(metadata["format"] ?? "none"), expected \(format)")
        }
        guard let headerText = metadata["header"],
            let header = try? JSONDecoder().decode(Header.self, from: Data(headerText.utf8)),
            let step = metadata["step"].flatMap(Int.init), let fakeSteps = metadata["fakeSteps"].flatMap(Int.init),
            let generatorAdamStep = metadata["generator.adam.step"].flatMap(Int.init),
            let fakeAdamStep = metadata["fake.adam.step"].flatMap(Int.init),
            let words = metadata["random"]?.split(separator: ",").compactMap({ UInt64($0) }), words.count == 4
        else { throw .corruptCheckpoint(path: path, reason: "missing or malformed metadata") }
        var scratch = RandomSource(seed: 0)
        let generatorLayout = header.generatorArchitecture.makeNetwork(random: &scratch).parameters
        let fakeLayout = header.fakeArchitecture.makeNetwork(random: &scratch).parameters
        func read(_ layout: ParameterSet, _ prefix: String) throws(RefinementError) -> ParameterSet {
            var set = layout
            do { try set.load(from: checkpoint, prefix: prefix) } catch {
                throw .corruptCheckpoint(path: path, reason: Reason("tensors \(prefix)*", cause: error))
            }
            return set
        }
        var state = RefinementState(
            student: try read(generatorLayout, "generator."), fake: try read(fakeLayout, "fake."),
            configuration: header.configuration)
        state.step = step
        state.fakeSteps = fakeSteps
        state.generatorAverage.shadow = try read(generatorLayout, "generator-ema.")
        state.generatorOptimizer.firstMoment = try read(generatorLayout, "generator-adam-m.")
        state.generatorOptimizer.secondMoment = try read(generatorLayout, "generator-adam-v.")
        state.generatorOptimizer.stepCount = generatorAdamStep
        state.fakeOptimizer.firstMoment = try read(fakeLayout, "fake-adam-m.")
        state.fakeOptimizer.secondMoment = try read(fakeLayout, "fake-adam-v.")
        state.fakeOptimizer.stepCount = fakeAdamStep
        state.random = RandomSource(state: words)
        if let architecture = header.discriminatorArchitecture {
            let layout = Discriminator(architecture: architecture, random: &scratch).parameters
            guard let adamStep = metadata["discriminator.adam.step"].flatMap(Int.init) else {
                throw .corruptCheckpoint(path: path, reason: "the discriminator's Adam step is missing")
            }
            state.attachDiscriminator(try read(layout, "discriminator."), configuration: header.configuration)
            state.discriminatorOptimizer?.firstMoment = try read(layout, "discriminator-adam-m.")
            state.discriminatorOptimizer?.secondMoment = try read(layout, "discriminator-adam-v.")
            state.discriminatorOptimizer?.stepCount = adamStep
        }
        return (header, state)
    }
}
