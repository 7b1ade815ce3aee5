// The refinement loop on 2-D toy networks: a run killed after a checkpoint and resumed ends with
// exactly the state of an uninterrupted run (generator, EMA, both Adam states, fake, step counts,
// random state); the fake alone trains during the warm-up; a checkpoint of another configuration or
// a damaged one is refused with an error that says what to do.
import Foundation
import Generation
import KacFlow
import NeuralNet
import TensorCore
import TestSupport
import Testing
import Training

struct RefinerTests {
    static let architecture = NetworkArchitecture.mlp(
        MLPVelocityConfiguration(dimension: 2, hiddenWidth: 16, hiddenLayers: 2, embeddingWidth: 4, classCount: 4))

    static func header(alpha: Double = 0.5, steps: Int = 6) -> RefinementState.Header {
        var configuration = RefinementConfiguration(totalSteps: steps)
        configuration.alpha = alpha
        configuration.batchSize = 8
        configuration.fakeWarmupSteps = 3
        configuration.generatorLearningRate = 1e-3
        configuration.fakeLearningRate = 1e-3
        configuration.emaDecay = 0.9
        return RefinementState.Header(
            configuration: configuration,
            sources: RefinementSources(student: "toy/student-1@1", studentBlob: "s", teacher: "toy/teacher@1", teacherBlob: "t", command: "test"),
            generatorArchitecture: architecture, fakeArchitecture: architecture)
    }

    static func networks() -> (teacher: any VelocityNetwork, student: ParameterSet) {
        var random = RandomSource(seed: 81)
        let teacher = architecture.makeNetwork(random: &random)
        GeneratorMatchingTests.randomizeWeights(teacher, &random, scale: 0.3)
        let student = architecture.makeNetwork(random: &random)
        GeneratorMatchingTests.randomizeWeights(student, &random, scale: 0.3)
        return (teacher, student.parameters)
    }

    static func refiner(_ header: RefinementState.Header, checkpoint: String) throws -> Refiner {
        let (teacher, student) = networks()
        let refiner = try Refiner(
            header: header, teacherNetwork: teacher, path: KacPath.Configuration(), studentWeights: student,
            checkpointPath: checkpoint)
        refiner.checkpointEvery = 1
        return refiner
    }

    static func expectSameState(_ a: RefinementState, _ b: RefinementState) {
        #expect(a.step == b.step && a.fakeSteps == b.fakeSteps)
        #expect(a.generator == b.generator && a.fake == b.fake)
        #expect(a.generatorAverage == b.generatorAverage)
        #expect(a.generatorOptimizer == b.generatorOptimizer && a.fakeOptimizer == b.fakeOptimizer)
        #expect(a.random == b.random)
    }

    @Test func resumedRunEqualsUninterruptedRun() throws {
        let directory = TemporaryDirectory()
        let whole = try Self.refiner(Self.header(), checkpoint: directory.file("whole.safetensors"))
        try whole.run()
        #expect(whole.state.step == 6 && whole.state.fakeSteps == 9)

        let path = directory.file("killed.safetensors")
        let first = try Self.refiner(Self.header(), checkpoint: path)
        first.interruptAfterFakeStep = 5
        #expect(throws: RefinementError.interrupted(step: 2)) { try first.run() }
        let resumed = try Self.refiner(Self.header(), checkpoint: path)
        #expect(resumed.state.fakeSteps == 5 && resumed.state.step == 2)
        try resumed.run()
        Self.expectSameState(resumed.state, whole.state)

        // The checkpoint on disk is the final state too.
        let (_, saved) = try RefinementState.load(from: path)
        Self.expectSameState(saved, whole.state)
    }

    /// Ctrl-C or SIGTERM (`shouldStop`) with the checkpoint written every 100 updates: the stop
    /// itself writes it, so nothing since the last periodic checkpoint is lost.
    @Test func aStopRequestWritesTheCheckpointFirst() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("stopped.safetensors")
        let whole = try Self.refiner(Self.header(), checkpoint: directory.file("whole.safetensors"))
        try whole.run()
        let first = try Self.refiner(Self.header(), checkpoint: path)
        first.checkpointEvery = 100
        var asked = 0
        first.shouldStop = {
            asked += 1
            return asked == 4
        }
        #expect(throws: RefinementError.interrupted(step: 1)) { try first.run() }
        let resumed = try Self.refiner(Self.header(), checkpoint: path)
        #expect(resumed.state.fakeSteps == 4 && resumed.state.step == 1)
        try resumed.run()
        Self.expectSameState(resumed.state, whole.state)
    }

    @Test func warmUpTrainsTheFakeOnly() throws {
        let directory = TemporaryDirectory()
        let refiner = try Self.refiner(Self.header(), checkpoint: directory.file("c.safetensors"))
        let (teacher, student) = Self.networks()
        for _ in 0..<3 {
            #expect(refiner.step().generator == nil)
        }
        #expect(refiner.state.generator == student && refiner.state.step == 0)
        #expect(refiner.state.fake != teacher.parameters)
        #expect(refiner.step().generator != nil)
        #expect(refiner.state.generator != student && refiner.state.step == 1)
    }

    @Test func longerRunExtendsButOtherConfigurationsAreRefused() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("c.safetensors")
        try Self.refiner(Self.header(steps: 2), checkpoint: path).run()
        let longer = try Self.refiner(Self.header(steps: 3), checkpoint: path)
        #expect(longer.state.step == 2)
        #expect {
            try Self.refiner(Self.header(alpha: 1), checkpoint: path)
        } throws: { error in
            guard case RefinementError.runMismatch = error else { return false }
            return "\(error)".contains("choose a new --run directory")
        }
        try Data("not a checkpoint".utf8).write(to: URL(fileURLWithPath: path))
        #expect {
            try Self.refiner(Self.header(), checkpoint: path)
        } throws: { error in
            guard case RefinementError.corruptCheckpoint = error else { return false }
            return true
        }
    }
}
