// The library side of `kac eval`, without a process: a training run becomes a candidate labelled
// RUN@stepN; a toy model is judged by sliced Wasserstein with one row per setting of the grid; each
// row's samples are saved and read back unchanged (what `--score-samples` scores); models of
// different data are refused.
import Foundation
import Generation
import TensorCore
import TestSupport
import Testing
import Training
import Vocabulary

@Suite(.serialized) struct ModelEvaluationTests {
    static let judge = ClassifierJudge.Settings(
        classifier: "none", cacheDirectory: "/nonexistent", datasetDirectory: "/nonexistent", referenceFolder: nil,
        referenceAlphaBackground: .white)

    @Test func evaluatesARunOnTheGridAndSavesItsSamples() throws {
        let directory = TemporaryDirectory()
        let (path, state) = try EvaluationCLITests.toyCheckpoint(in: directory)
        let candidate = try EvaluationCandidate.trainingRun(directory.path)
        #expect(candidate.label == "\(directory.path)@step\(state.step)" && candidate.dataset == "eight-gaussians")
        #expect(try EvaluationCandidate.trainingRun(path).label == "\(path)@step\(state.step)")

        let grid = try ModelEvaluation.grid(integrators: [.euler, .ab2], scales: [1], stepCounts: [2, 4])
        #expect(grid.map(\.steps) == [2, 4, 2, 4] && grid.map(\.integrator) == [.euler, .euler, .ab2, .ab2])
        #expect(throws: EvaluationError.self) { try ModelEvaluation.grid(integrators: [], scales: [1], stepCounts: [2]) }

        let saved = directory.file("samples")
        let evaluation = ModelEvaluation(
            candidates: [candidate], settings: grid, sampleCount: 64, seed: 7, batchSize: 32, dataName: nil,
            judgeSettings: Self.judge, zooPath: "/nonexistent", samplesDirectory: saved)
        var lines: [String] = []
        let report = try evaluation.run { lines.append($0) }
        #expect(report.judge == "sliced-wasserstein" && report.floor == nil && report.rows.count == 4)
        #expect(report.rows.allSatisfy { ($0.slicedWasserstein ?? -1) >= 0 && $0.sampleCount == 64 })
        #expect(lines.count == 4 && lines[0].hasPrefix("eval \(candidate.label) euler steps 2 s=1.0: NFE 2, "))

        let files = try SavedSamples.read(saved)
        #expect(files.count == 4 && files.allSatisfy { $0.seed == 7 && $0.samples.shape == [64, 2] })
        let first = try #require(files.first { $0.settings == SamplingSettings(integrator: .ab2, steps: 2, guidance: 1) })
        #expect(first.label == candidate.label && first.labels == (0..<64).map { $0 % 8 })
        #expect(first.networkEvaluations == report.rows[2].networkEvaluations)
        #expect(throws: EvaluationError.self) { try SavedSamples.read(directory.file("no-such-directory")) }
    }

    @Test func refusesModelsOfDifferentData() throws {
        var random = RandomSource(seed: 1)
        let network = toyRecipe(steps: 1).architecture.makeNetwork(random: &random)
        let generator = Generator(network: network, architecture: toyRecipe(steps: 1).architecture, path: toyRecipe(steps: 1).path)
        let toy = EvaluationCandidate(label: "a", generator: generator, dataset: "grid")
        let images = EvaluationCandidate(label: "b", generator: generator, dataset: nil)
        #expect(try EvaluationCandidate.commonDataset([toy, toy]) == "grid")
        #expect(try EvaluationCandidate.commonDataset([images]) == "fashion-mnist")
        #expect {
            try EvaluationCandidate.commonDataset([toy, images])
        } throws: { error in
            (error as? EvaluationError)?.description
                == "the models were trained on different data (fashion-mnist, grid); evaluate them separately"
        }
        let unjudged = ModelEvaluation(
            candidates: [EvaluationCandidate(label: "c", generator: generator, dataset: "icons")], settings: [], sampleCount: 8,
            seed: 1, batchSize: 8, dataName: nil, judgeSettings: Self.judge, zooPath: "/nonexistent", samplesDirectory: nil)
        #expect(throws: EvaluationError.self) { try unjudged.run { _ in } }
    }
}
