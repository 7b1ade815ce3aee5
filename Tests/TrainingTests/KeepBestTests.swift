// `kac refine --keep-best` and `--snapshots` below the command: the selection rule (the second
// classifier's FD among evaluations within 0.01 of the best accuracy seen, one evaluation at a time),
// RUN/best.safetensors written only when the selection's state changes and read back by a resumed run
// (the best accuracy seen included), a snapshot per evaluation only when asked, and a damaged
// best.safetensors refused with a sentence that says what to do.
import Foundation
import Generation
import NeuralNet
import TensorCore
import TestSupport
import Testing
import Training

struct KeepBestTests {
    static func candidate(_ step: Int, _ distance: Double, _ accuracy: Double) -> BestSelection.Candidate {
        .init(step: step, frechetDistance: distance, classAccuracy: accuracy)
    }

    @Test func selectionRule() {
        var selection = BestSelection()
        func consider(_ candidate: BestSelection.Candidate) -> Bool { selection.consider(candidate) }
        #expect(consider(Self.candidate(100, 40, 0.930)))
        #expect(consider(Self.candidate(200, 38, 0.925)))  // within 0.01 of 0.930, lower FD
        #expect(!consider(Self.candidate(300, 39, 0.931)))  // higher FD
        #expect(!consider(Self.candidate(400, 30, 0.915)))  // lower FD, but 0.016 below the best accuracy
        #expect(selection.kept?.step == 200 && selection.bestAccuracy == 0.931)
        // 0.945 makes the kept 0.925 ineligible: the new evaluation is kept although its FD is higher.
        #expect(consider(Self.candidate(500, 45, 0.945)))
        #expect(consider(Self.candidate(600, 44, 0.935)))  // exactly 0.01 below counts as within
        #expect(!consider(Self.candidate(700, .nan, 0.99)))  // non-finite figures change nothing
        #expect(selection.kept == Self.candidate(600, 44, 0.935) && selection.bestAccuracy == 0.945)
    }

    static let architecture = RefinerTests.architecture

    static func weights(_ seed: UInt64) -> ParameterSet {
        var random = RandomSource(seed: seed)
        let network = architecture.makeNetwork(random: &random)
        GeneratorMatchingTests.randomizeWeights(network, &random, scale: 0.3)
        return network.parameters
    }

    static func row(_ distance: Double, _ accuracy: Double) -> EvaluationRow {
        var row = EvaluationRow(
            model: "second", integrator: .euler, steps: 1, guidance: 1, networkEvaluations: 1, frechetDistance: distance,
            classAccuracy: accuracy, imagesPerSecond: 1, sampleCount: 10)
        row.multiLayerKernelDistance = 0.001
        return row
    }

    @Test func bestIsWrittenOnlyWhenTheSelectionChangesAndSurvivesAResume() throws {
        let directory = TemporaryDirectory()
        let run = directory.path
        let best = run + "/best.safetensors"
        var keeper = try RefinementKeeper(directory: run, architecture: Self.architecture, keepBest: true, snapshots: false)
        func record(_ step: Int, _ distance: Double, _ accuracy: Double) throws -> String? {
            let row = Self.row(distance, accuracy)
            return try keeper.record(
                weights: Self.weights(UInt64(step)), step: step, rows: [Self.row(1, 1), row], line: "eval \(step)", selectionRow: row)
        }
        #expect(try record(100, 40, 0.930)?.contains("kept as best in RUN/best.safetensors") == true)
        #expect(try record(200, 41, 0.930) == nil)
        #expect(try RefinementKeeper.load(best, architecture: Self.architecture).step == 100)
        // A higher accuracy without a better FD rewrites the selection state, not the weights.
        #expect(try record(300, 42, 0.938) == nil)
        let afterRise = try RefinementKeeper.load(best, architecture: Self.architecture)
        #expect(afterRise.step == 100 && afterRise.weights == Self.weights(100) && afterRise.selection?.bestAccuracy == 0.938)
        #expect(afterRise.rows.count == 2 && afterRise.line == "eval 100")
        #expect(!FileManager.default.fileExists(atPath: run + "/snapshots"))

        // Resumed: 0.925 is more than 0.01 below the 0.938 seen before the restart, so FD 30 is not kept.
        keeper = try RefinementKeeper(directory: run, architecture: Self.architecture, keepBest: true, snapshots: true)
        #expect(keeper.best?.step == 100)
        #expect(try record(400, 30, 0.925) == nil)
        #expect(try record(500, 39, 0.931) != nil)
        let kept = try RefinementKeeper.load(best, architecture: Self.architecture)
        #expect(kept.step == 500 && kept.weights == Self.weights(500))
        let snapshot = try RefinementKeeper.load(run + "/snapshots/step-400.safetensors", architecture: Self.architecture)
        #expect(snapshot.weights == Self.weights(400) && snapshot.selection == nil)
        #expect(FileManager.default.fileExists(atPath: run + "/snapshots/step-500.safetensors"))

        // Without --keep-best nothing is selected or written.
        let off = try RefinementKeeper(directory: directory.file("off"), architecture: Self.architecture, keepBest: false, snapshots: false)
        #expect(try off.record(weights: Self.weights(1), step: 1, rows: [], line: "", selectionRow: Self.row(1, 1)) == nil)
        #expect(!FileManager.default.fileExists(atPath: directory.file("off/best.safetensors")))

        try Data("not weights".utf8).write(to: URL(fileURLWithPath: best))
        #expect {
            try RefinementKeeper(directory: run, architecture: Self.architecture, keepBest: true, snapshots: false)
        } throws: { error in
            guard case RefinementError.corruptKeptWeights = error else { return false }
            return "\(error)".contains("move it aside")
        }
    }
}
