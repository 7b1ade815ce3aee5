// The library side of `kac train`: a recipe's difference lists exactly the changed fields by dotted
// path (not the command line, not the step count); a run directory resumes only under the recipe it
// was started with; the built-in data sets and the folder test name the same data every command sees.
import Foundation
import Generation
import NeuralNet
import TensorCore
import TestSupport
import Testing
import Training

@Suite struct TeacherRunTests {
    @Test func differenceListsChangedFieldsOnly() throws {
        let recorded = toyRecipe(steps: 100)
        var requested = recorded
        requested.command = "kac train --other"
        requested.training.totalSteps = 500
        #expect(try recorded.differences(to: requested).isEmpty, "the command line and --steps may change")

        requested.architecture = .mlp(
            MLPVelocityConfiguration(dimension: 2, hiddenWidth: 64, hiddenLayers: 3, embeddingWidth: 32, classCount: 8))
        requested.training.batchSize = 64
        requested.classNames = ["a", "b"]
        let differences = try recorded.differences(to: requested)
        #expect(differences.map(\.key) == ["architecture.configuration.hiddenWidth", "classNames", "training.batchSize"])
        #expect(differences[0] == RecipeDifference(key: "architecture.configuration.hiddenWidth", recorded: "256", requested: "64"))
        #expect(differences[1] == RecipeDifference(key: "classNames", recorded: "(absent)", requested: "[a,b]"))
        #expect(differences[2].recorded == "256" && differences[2].requested == "64")
        let message = recorded.mismatch(in: "runs/x", differences: differences).description
        #expect(message.contains("  architecture.configuration.hiddenWidth: 256 in the run, 64 now"))
        #expect(message.contains("the run was started with: test") && message.contains("--fresh"))
    }

    @Test func runResumesOnlyUnderItsRecipe() throws {
        let directory = TemporaryDirectory()
        let run = directory.file("run")
        var random = RandomSource(seed: 3)
        let data = ToyDataset.eightGaussians.sample(count: 512, random: &random)
        var notes: [String] = []
        let recipe = toyRecipe(steps: 2)
        let first = try TeacherRun.open(directory: run, recipe: recipe, data: data, source: "toy", fresh: false) { notes.append($0) }
        try first.run(checkpointPath: TeacherRun.checkpointPath(in: run), checkpointEvery: 1, progress: nil)
        #expect(notes.last?.hasPrefix("new run in \(run): ") == true)
        #expect(FileManager.default.fileExists(atPath: run + "/recipe.json"))

        var longer = recipe
        longer.training.totalSteps = 5
        let resumed = try TeacherRun.open(directory: run, recipe: longer, data: data, source: "toy", fresh: false) { notes.append($0) }
        #expect(resumed.state.step == 2 && resumed.recipe.training.totalSteps == 5)
        #expect(notes.last == "resuming \(TeacherRun.checkpointPath(in: run)) at step 2 of 5")

        var other = recipe
        other.training.learningRate = 0.5
        #expect {
            try TeacherRun.open(directory: run, recipe: other, data: data, source: "toy", fresh: false) { _ in }
        } throws: { error in
            guard case TrainingError.recipeMismatch(let message) = error else { return false }
            return message.contains("training.learningRate: 0.002 in the run, 0.5 now")
        }
        let fresh = try TeacherRun.open(directory: run, recipe: other, data: data, source: "toy", fresh: true) { _ in }
        #expect(fresh.state.step == 0)
    }

    @Test func networkShapeFitsTheData() throws {
        let shape = TeacherNetworkShape(width: 16, multipliers: [1, 2], residualBlocks: 1, attention: nil, hiddenWidth: 48)
        var random = RandomSource(seed: 1)
        guard case .mlp(let mlp) = try shape.architecture(for: ToyDataset.grid.sample(count: 16, random: &random)) else {
            Issue.record("2-D data gets an MLP")
            return
        }
        #expect(mlp.hiddenWidth == 48 && mlp.classCount == 9)
        let images = LabeledDataset(samples: Tensor(shape: [2, 12, 12, 1], scalars: [Float](repeating: 0, count: 288)), labels: [0, 1], classNames: ["a", "b"])
        guard case .unet(let unet) = try shape.architecture(for: images) else {
            Issue.record("images get a UNet")
            return
        }
        #expect(unet.attentionResolutions == [6] && unet.classCount == 2 && unet.baseWidth == 16)
        let odd = LabeledDataset(samples: Tensor(shape: [1, 7, 7, 1], scalars: [Float](repeating: 0, count: 49)), labels: [0], classNames: ["a"])
        #expect(throws: TrainingError.self) { try shape.architecture(for: odd) }
    }

    @Test func builtInDataAndNames() throws {
        for toy in ToyDataset.allCases { #expect(ToyDataset(kebabName: toy.kebabName) == toy) }
        #expect(ToyDataset.pairedGaussians.kebabName == "paired-gaussians" && ToyDataset(kebabName: "toy:grid") == nil)
        let points = try #require(try TrainingData.builtIn("checkerboard", directory: "/nonexistent", seed: 4))
        #expect(points.dataset.count == 65_536 && points.name == "checkerboard" && points.digest == nil)
        #expect(try TrainingData.builtIn("no-such-data", directory: "/nonexistent", seed: 4) == nil)
        #expect(TrainingData.isFolder("a/b"), "a path with a slash is always a folder")
        #expect(!TrainingData.isFolder("grid") && !TrainingData.isFolder("missing-folder"))
    }

    @Test func narrowedStudent() throws {
        let wide = toyRecipe(steps: 1).architecture
        guard case .mlp(let narrow) = try wide.narrowed(width: 64) else {
            Issue.record("an MLP stays an MLP")
            return
        }
        #expect(narrow.hiddenWidth == 64)
        #expect(throws: DistillationError.invalidConfiguration("--student-width must be positive")) { try wide.narrowed(width: 0) }
    }
}
