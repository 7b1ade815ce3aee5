// The adversarial and anchor methods inside the refinement loop, on 2-D toy networks: a run killed
// after a checkpoint and resumed ends bit for bit where an uninterrupted one ends (discriminator and
// its Adam state included); the warm-up trains the discriminator alone; the anchor pull shrinks the
// distance to the anchor's endpoints; a checkpoint of other adversarial options is refused, and so
// are missing inputs; a damaged anchor pool is remade identically; the learning-rate decay stops the
// generator; a configuration written before these options existed still decodes.
import Foundation
import Generation
import KacFlow
import NeuralNet
import TensorCore
import TestSupport
import Testing
import Training

struct AdversarialRefinerTests {
    static func header(
        method: RefinementMethod = .adversarial, weight: Double = 0.1, anchor: Double = 1, real: RefinementConfiguration.RealSamples = .data,
        steps: Int = 6
    ) -> RefinementState.Header {
        var header = RefinerTests.header(steps: steps)
        header.configuration.method = method
        header.configuration.adversarialWeight = method == .adversarial ? weight : 0
        header.configuration.anchorWeight = anchor
        header.configuration.anchorPoolSize = 32
        header.configuration.realSamples = real
        header.configuration.discriminatorWidth = 8
        header.configuration.discriminatorLearningRate = 1e-3
        return RefinementState.Header(
            configuration: header.configuration, sources: header.sources, generatorArchitecture: header.generatorArchitecture,
            fakeArchitecture: header.fakeArchitecture)
    }

    static func data() -> LabeledDataset {
        var random = RandomSource(seed: 3)
        return LabeledDataset(
            samples: Tensor(shape: [64, 2], scalars: randomScalars(128, &random, scale: 0.5)), labels: (0..<64).map { $0 % 4 },
            classNames: ["a", "b", "c", "d"])
    }

    static func refiner(_ header: RefinementState.Header, directory: TemporaryDirectory, checkpoint: String) throws -> Refiner {
        let (teacher, student) = RefinerTests.networks()
        let pool = try RefinementAnchor.pool(
            network: teacher, architecture: RefinerTests.architecture, path: KacPath.Configuration(), steps: 4, guidance: 1.5, count: 32,
            seed: 1, anchor: "teacher", file: directory.file("pool.safetensors"))
        let refiner = try Refiner(
            header: header, teacherNetwork: teacher, path: KacPath.Configuration(), studentWeights: student, checkpointPath: checkpoint,
            anchorPool: pool, realData: data())
        refiner.checkpointEvery = 1
        return refiner
    }

    @Test(arguments: [RefinementConfiguration.RealSamples.data, .teacher])
    func resumedRunEqualsUninterruptedRun(real: RefinementConfiguration.RealSamples) throws {
        let directory = TemporaryDirectory()
        let whole = try Self.refiner(Self.header(real: real), directory: directory, checkpoint: directory.file("whole.safetensors"))
        try whole.run()
        #expect(whole.state.step == 6 && whole.state.fakeSteps == 9)
        let path = directory.file("killed.safetensors")
        let first = try Self.refiner(Self.header(real: real), directory: directory, checkpoint: path)
        first.interruptAfterFakeStep = 5
        #expect(throws: RefinementError.interrupted(step: 2)) { try first.run() }
        let resumed = try Self.refiner(Self.header(real: real), directory: directory, checkpoint: path)
        #expect(resumed.state.fakeSteps == 5 && resumed.state.step == 2)
        try resumed.run()
        RefinerTests.expectSameState(resumed.state, whole.state)
        #expect(resumed.state.discriminator == whole.state.discriminator && resumed.state.discriminator != nil)
        #expect(resumed.state.discriminatorOptimizer == whole.state.discriminatorOptimizer)
        let (_, saved) = try RefinementState.load(from: path)
        #expect(saved.discriminator == whole.state.discriminator && saved.discriminatorOptimizer == whole.state.discriminatorOptimizer)
    }

    /// A new run may start its discriminator from another run's checkpoint: weights and Adam state
    /// arrive (at this run's rate), only before the first update, only from a discriminator of its shape.
    @Test func aNewRunAdoptsAnotherRunsDiscriminator() throws {
        let directory = TemporaryDirectory()
        let donorPath = directory.file("donor.safetensors")
        let donor = try Self.refiner(Self.header(steps: 2), directory: directory, checkpoint: donorPath)
        try donor.run()
        var header = Self.header(anchor: 0.5)
        header.configuration.discriminatorLearningRate = 5e-4
        let fresh = try Self.refiner(header, directory: directory, checkpoint: directory.file("new.safetensors"))
        #expect(fresh.state.discriminator != donor.state.discriminator)
        #expect(try fresh.adoptDiscriminator(fromCheckpoint: donorPath) == 2)
        #expect(fresh.state.discriminator == donor.state.discriminator)
        #expect(fresh.state.discriminatorOptimizer?.stepCount == donor.state.discriminatorOptimizer?.stepCount)
        #expect(fresh.state.discriminatorOptimizer?.learningRate == 5e-4)
        let adopted = fresh.state.discriminator
        _ = fresh.step()
        #expect(fresh.state.discriminator != adopted)
        #expect(throws: RefinementError.self) { try fresh.adoptDiscriminator(fromCheckpoint: donorPath) }
        var wider = Self.header()
        wider.configuration.discriminatorWidth = 16
        let other = try Self.refiner(
            RefinementState.Header(
                configuration: wider.configuration, sources: wider.sources, generatorArchitecture: wider.generatorArchitecture,
                fakeArchitecture: wider.fakeArchitecture), directory: directory, checkpoint: directory.file("wide.safetensors"))
        #expect(throws: RefinementError.self) { try other.adoptDiscriminator(fromCheckpoint: donorPath) }
    }

    /// A branch continues another run's whole state: under the same options it ends bit for bit where
    /// the other run, uninterrupted, ends; under others it starts from that state at this run's rates;
    /// a run of other networks is refused.
    @Test func aBranchContinuesAnotherRunsState() throws {
        let directory = TemporaryDirectory()
        let whole = try Self.refiner(Self.header(), directory: directory, checkpoint: directory.file("whole.safetensors"))
        try whole.run()
        let donorPath = directory.file("donor.safetensors")
        let donor = try Self.refiner(Self.header(), directory: directory, checkpoint: donorPath)
        donor.interruptAfterFakeStep = 5
        #expect(throws: RefinementError.interrupted(step: 2)) { try donor.run() }
        let branch = try Self.refiner(Self.header(), directory: directory, checkpoint: directory.file("branch.safetensors"))
        #expect(try branch.adoptState(fromCheckpoint: donorPath) == 2)
        try branch.run()
        RefinerTests.expectSameState(branch.state, whole.state)
        #expect(branch.state.discriminator == whole.state.discriminator)

        var other = Self.header(anchor: 0.5)
        other.configuration.generatorLearningRate = 3e-3
        let changed = try Self.refiner(other, directory: directory, checkpoint: directory.file("changed.safetensors"))
        try changed.adoptState(fromCheckpoint: donorPath)
        #expect(changed.state.step == 2 && changed.state.generatorOptimizer.learningRate == 3e-3)
        try changed.run()
        #expect(changed.state.step == 6 && changed.state.generator != whole.state.generator)

        var stranger = Self.header()
        stranger.sources.studentBlob = "sha256-another"
        let refused = try Self.refiner(stranger, directory: directory, checkpoint: directory.file("stranger.safetensors"))
        #expect(throws: RefinementError.self) { try refused.adoptState(fromCheckpoint: donorPath) }
    }

    /// `--rate-decay-from 2 --rate-decay 2`: the rates are full up to generator step 2, half for the
    /// update to step 4, zero after it — the generator stops moving at step 4 while it moved before —
    /// and a run killed inside the decay resumes bit for bit.
    @Test func theLearningRatesFallToZeroAndTheGeneratorSettles() throws {
        var configuration = RefinementConfiguration(totalSteps: 9)
        (configuration.rateDecayStart, configuration.rateDecaySteps) = (2, 2)
        #expect((0...6).map { configuration.rateFactor(atStep: $0) } == [1, 1, 1, 0.5, 0, 0, 0])
        configuration.rateDecaySteps = 0
        #expect(configuration.rateFactor(atStep: 100) == 1)

        func decaying(steps: Int) -> RefinementState.Header {
            var header = Self.header(steps: steps)
            (header.configuration.rateDecayStart, header.configuration.rateDecaySteps) = (2, 2)
            return header
        }
        let directory = TemporaryDirectory()
        let path = directory.file("decay.safetensors")
        let early = try Self.refiner(decaying(steps: 2), directory: directory, checkpoint: path)
        try early.run()
        let atTwo = early.state.generator
        let middle = try Self.refiner(decaying(steps: 4), directory: directory, checkpoint: path)
        try middle.run()
        #expect(middle.state.generator != atTwo && middle.state.generatorOptimizer.learningRate == 0.5e-3)
        let late = try Self.refiner(decaying(steps: 6), directory: directory, checkpoint: path)
        try late.run()
        #expect(late.state.step == 6 && late.state.generator == middle.state.generator)
        #expect(late.state.generatorOptimizer.learningRate == 0 && late.state.discriminatorOptimizer?.learningRate == 0)
        #expect(late.state.discriminator == middle.state.discriminator)

        let whole = try Self.refiner(decaying(steps: 6), directory: directory, checkpoint: directory.file("whole.safetensors"))
        try whole.run()
        RefinerTests.expectSameState(whole.state, late.state)
        var refused = decaying(steps: 6)
        refused.configuration.rateDecaySteps = -1
        #expect(throws: RefinementError.self) { try refused.configuration.validate() }
        refused.configuration.rateDecaySteps = 0  // a start without a length: a mistake, not "constant"
        #expect(throws: RefinementError.self) { try refused.configuration.validate() }
    }

    @Test func warmUpTrainsTheDiscriminatorOnly() throws {
        let directory = TemporaryDirectory()
        let refiner = try Self.refiner(Self.header(), directory: directory, checkpoint: directory.file("c.safetensors"))
        let (_, student) = RefinerTests.networks()
        let initial = refiner.state.discriminator
        for _ in 0..<3 { #expect(refiner.step().generator == nil) }
        #expect(refiner.state.generator == student && refiner.state.discriminator != initial)
        let report = refiner.step()
        #expect(report.generator != nil && report.critic != nil && report.anchorError != nil && refiner.state.generator != student)
    }

    @Test func anchorAlonePullsTowardTheAnchorsEndpoints() throws {
        let directory = TemporaryDirectory()
        var header = Self.header(method: .anchor, steps: 60)
        header.configuration.generatorLearningRate = 1e-2
        header.configuration.emaDecay = 0
        let refiner = try Self.refiner(header, directory: directory, checkpoint: directory.file("c.safetensors"))
        let first = refiner.step().anchorError ?? 0
        var last = first
        for _ in 0..<59 { last = refiner.step().anchorError ?? .infinity }
        #expect(last < first / 2, "anchor error \(first) → \(last)")
        #expect(refiner.state.fakeSteps == 0 && refiner.updateCount == 60)
    }

    @Test func otherOptionsAndMissingInputsAreRefused() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("c.safetensors")
        try Self.refiner(Self.header(steps: 2), directory: directory, checkpoint: path).run()
        for other in [Self.header(weight: 0.2, steps: 2), Self.header(anchor: 0.5, steps: 2), Self.header(real: .teacher, steps: 2)] {
            #expect(throws: RefinementError.self) { try Self.refiner(other, directory: directory, checkpoint: path) }
        }
        let (teacher, student) = RefinerTests.networks()
        #expect {
            try Refiner(
                header: Self.header(), teacherNetwork: teacher, path: KacPath.Configuration(), studentWeights: student,
                checkpointPath: directory.file("new.safetensors"))
        } throws: { error in
            guard case RefinementError.invalidConfiguration(let message) = error else { return false }
            return message.contains("anchor pool")
        }
        var noWeight = Self.header().configuration
        noWeight.adversarialWeight = 0
        #expect(throws: RefinementError.self) { try noWeight.validate() }
    }

    @Test func aDamagedAnchorPoolIsRemadeIdentically() throws {
        let directory = TemporaryDirectory()
        let (teacher, _) = RefinerTests.networks()
        func pool(_ file: String) throws -> TeacherTrajectoryPool {
            try RefinementAnchor.pool(
                network: teacher, architecture: RefinerTests.architecture, path: KacPath.Configuration(), steps: 4, guidance: 1.5,
                count: 16, seed: 2, anchor: "teacher", file: file)
        }
        let fresh = try pool(directory.file("a.safetensors"))
        let file = directory.file("b.safetensors")
        try Data("damaged".utf8).write(to: URL(fileURLWithPath: file))
        let remade = try pool(file)
        #expect(remade.points == fresh.points && remade.labels == fresh.labels)
        #expect(try pool(file).points == fresh.points)  // and read back from the rewritten file
    }

    /// A pool file says which anchor and seed made it: one copied from a run with another anchor model
    /// or seed is remade rather than read as this run's.
    @Test func aPoolOfAnotherAnchorOrSeedIsRemade() throws {
        let directory = TemporaryDirectory()
        let (teacher, _) = RefinerTests.networks()
        var random = RandomSource(seed: 5)
        let student = RefinerTests.architecture.makeNetwork(random: &random)
        GeneratorMatchingTests.randomizeWeights(student, &random, scale: 0.3)
        func pool(_ file: String, _ network: any VelocityNetwork, anchor: String, seed: UInt64) throws -> TeacherTrajectoryPool {
            try RefinementAnchor.pool(
                network: network, architecture: RefinerTests.architecture, path: KacPath.Configuration(), steps: 4, guidance: 1.5,
                count: 16, seed: seed, anchor: anchor, file: file)
        }
        let file = directory.file("pool.safetensors")
        let byTeacher = try pool(file, teacher, anchor: "teacher", seed: 2)
        let byStudent = try pool(file, student, anchor: "student", seed: 2)
        #expect(byStudent.points != byTeacher.points)
        #expect(try pool(file, teacher, anchor: "student", seed: 2).points == byStudent.points)  // read back: same identity
        let otherSeed = try pool(file, student, anchor: "student", seed: 3)
        #expect(otherSeed.points != byStudent.points)
    }

    @Test func configurationsWrittenBeforeTheNewOptionsDecode() throws {
        let configuration = RefinementConfiguration(totalSteps: 9)
        var object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(configuration)) as? [String: Any] ?? [:]
        for key in ["anchorWeight", "anchorDecaySteps", "anchorPoolSize", "adversarialWeight", "realSamples", "discriminatorLearningRate", "r1Weight", "discriminatorWidth", "realTilt", "rateDecayStart", "rateDecaySteps"] {
            #expect(object.removeValue(forKey: key) != nil, "\(key) was not encoded")
        }
        let decoded = try JSONDecoder().decode(RefinementConfiguration.self, from: JSONSerialization.data(withJSONObject: object))
        #expect(decoded == configuration)
    }
}
