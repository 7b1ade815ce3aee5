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

        let names = try FileManager.default.contentsOfDirectory(atPath: saved).sorted()
        #expect(names.count == 4 && names.allSatisfy { $0.hasSuffix("-seed7.safetensors") }, "\(names)")
        // Only image samples [N, H, W, C] can be scored again; a 2-D file is refused by name.
        #expect(throws: EvaluationError.self) { try SavedSamples.read(saved) }
        #expect(throws: EvaluationError.self) { try SavedSamples.read(directory.file("no-such-directory")) }
    }

    @Test func savedImageSamplesReadBackUnchanged() throws {
        let directory = TemporaryDirectory()
        let images = Tensor(shape: [3, 2, 2, 1], scalars: (0..<12).map { Float($0) / 12 })
        let setting = SamplingSettings(integrator: .heun, steps: 3, guidance: 1.5)
        try SavedSamples.write(
            images, labels: [2, 0, 1], model: "icons/student-4@2 bf16", settings: setting, seed: 9, evaluations: 6,
            to: directory.file("saved"))
        let files = try SavedSamples.read(directory.file("saved"))
        let file = try #require(files.first)
        #expect(files.count == 1 && file.label == "icons/student-4@2 bf16" && file.settings == setting)
        #expect(file.seed == 9 && file.networkEvaluations == 6 && file.labels == [2, 0, 1])
        #expect(file.samples.shape == [3, 2, 2, 1] && file.samples.scalars == images.scalars)
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.file("saved"))
        #expect(names == ["icons_student-4@2_bf16-heun-3-s1.5-seed9.safetensors"])
    }

    @Test func refusesModelsOfDifferentData() throws {
        var random = RandomSource(seed: 1)
        let network = toyRecipe(steps: 1).architecture.makeNetwork(random: &random)
        let generator = Generator(network: network, architecture: toyRecipe(steps: 1).architecture, path: toyRecipe(steps: 1).path)
        let toy = EvaluationCandidate(label: "a", generator: generator, dataset: "grid")
        let images = EvaluationCandidate(label: "b", generator: generator, dataset: nil)
        #expect(try EvaluationCandidate.commonDataset([toy, toy]) == DatasetName(parsing: "grid"))
        #expect(try EvaluationCandidate.commonDataset([images]) == DatasetName.fashionMNIST)
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

    /// A recorded data set name is read as a `DatasetName`: one that breaks the grammar is refused,
    /// naming the model, before anything is judged.
    @Test func refusesAMalformedRecordedDatasetName() throws {
        var random = RandomSource(seed: 1)
        let network = toyRecipe(steps: 1).architecture.makeNetwork(random: &random)
        let generator = Generator(network: network, architecture: toyRecipe(steps: 1).architecture, path: toyRecipe(steps: 1).path)
        let odd = EvaluationCandidate(label: "odd", generator: generator, dataset: " grid")
        #expect {
            try EvaluationCandidate.commonDataset([odd])
        } throws: { error in
            (error as? EvaluationError)?.description
                == "odd: \" grid\" is not a data set name: it must not start or end with a space"
        }
    }
}
