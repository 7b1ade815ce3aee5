// Base-teacher targets (`--targets base`): later stages read the first stage's pool on their own
// sub-grid instead of integrating the previous student, and the options that cannot work are refused.
import Foundation
import Generation
import TestSupport
import Testing
import Training
import Vocabulary

@Suite(.serialized) struct DistillTargetsTests {
    @Test func aSubsampledPoolKeepsEveryStrideThGridPoint() {
        let fine = DistillationStage(
            index: 0, teacherSteps: 20, studentSteps: 4, substeps: 5, teacherIntegrator: .euler, teacherGuidance: 1)
        let coarse = DistillationStage(
            index: 2, teacherSteps: 2, studentSteps: 1, substeps: 2, teacherIntegrator: .euler, teacherGuidance: 1)
        // Two trajectories of 5 grid points of one scalar each: point value = 10·trajectory + k.
        let points: [Float] = (0..<2).flatMap { t in (0...4).map { Float(10 * t + $0) } }
        let pool = TeacherTrajectoryPool(stage: fine, horizon: 1, sampleShape: [1], labels: [3, 4], guidance: nil, points: points)
        let view = pool.subsampled(for: coarse)
        #expect(view?.points == [0, 4, 10, 14] && view?.labels == [3, 4] && view?.pairCount == 2)
        let half = DistillationStage(index: 1, teacherSteps: 4, studentSteps: 2, substeps: 2, teacherIntegrator: .euler, teacherGuidance: 1)
        #expect(pool.subsampled(for: half)?.points == [0, 2, 4, 10, 12, 14])
        let three = DistillationStage(
            index: 1, teacherSteps: 4, studentSteps: 3, substeps: 2, teacherIntegrator: .euler, teacherGuidance: 1)
        #expect(pool.subsampled(for: three) == nil, "3 does not divide 4")
    }

    @Test func baseTargetsTrainLaterStagesOnTheFirstPool() throws {
        let toy = sharedToyTeacher
        var configuration = toyDistillation(stages: [20, 4, 2], start: .trajectory, stepsPerStage: 20, batchSize: 64, poolSize: 128)
        configuration.targets = .base
        let directory = TemporaryDirectory()
        let distiller = try toy.distiller(configuration, directory: directory.path)
        var logged: [String] = []
        distiller.log = { logged.append($0) }
        let reports = try distiller.run()
        #expect(reports.map(\.stage.studentSteps) == [4, 2])
        #expect(logged.contains { $0.contains("stage-2: targets from the base teacher's 128 trajectories") }, "\(logged)")
        #expect(!FileManager.default.fileExists(atPath: directory.file("stage-2/pool.safetensors")), "no second pool is built")
    }

    /// A stage's pool file says which teacher and seed made it: one copied in from a run of another
    /// seed is remade, one of this run's is read back.
    @Test func aPoolCopiedFromAnotherRunIsRemade() throws {
        let toy = sharedToyTeacher
        func run(seed: UInt64, copying pool: Data? = nil) throws -> (pool: Data, logged: [String]) {
            var configuration = toyDistillation(stages: [20, 4], start: .trajectory, stepsPerStage: 1, batchSize: 64, poolSize: 64)
            configuration.seed = seed
            let directory = TemporaryDirectory()
            let file = directory.file("stage-4/pool.safetensors")
            if let pool {
                try FileManager.default.createDirectory(atPath: directory.file("stage-4"), withIntermediateDirectories: true)
                try pool.write(to: URL(fileURLWithPath: file))
            }
            let distiller = try toy.distiller(configuration, directory: directory.path)
            var logged: [String] = []
            distiller.log = { logged.append($0) }
            _ = try distiller.run()
            return (try Data(contentsOf: URL(fileURLWithPath: file)), logged)
        }
        let original = try run(seed: 5)
        #expect(original.logged.contains { $0.contains("64 teacher trajectories") }, "\(original.logged)")
        let sameSeed = try run(seed: 5, copying: original.pool)
        #expect(!sameSeed.logged.contains { $0.contains("teacher trajectories") }, "read back: \(sameSeed.logged)")
        let otherSeed = try run(seed: 6, copying: original.pool)
        #expect(otherSeed.logged.contains { $0.contains("64 teacher trajectories") }, "remade: \(otherSeed.logged)")
        #expect(otherSeed.pool != original.pool)
    }

    @Test func baseTargetsNeedTrajectoryStartsAndDividingSteps() {
        var forward = toyDistillation(stages: [20, 4, 2], start: .forward, stepsPerStage: 1)
        forward.targets = .base
        #expect(throws: DistillationError.self) { try forward.validate() }
        var uneven = toyDistillation(stages: [20, 4, 3], start: .trajectory, stepsPerStage: 1)
        uneven.targets = .base
        #expect(throws: DistillationError.self) { try uneven.validate() }
        let chain = toyDistillation(stages: [20, 4, 3], start: .trajectory, stepsPerStage: 1)
        #expect(chain.targets == nil && chain.targetSource == .chain)
    }
}
