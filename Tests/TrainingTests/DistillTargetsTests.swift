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
