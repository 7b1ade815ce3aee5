import Generation
// Choosing a model for quality presets and step budgets from manifest evaluations, and the
// fallbacks when evaluations are missing.
import ModelStore
import RenderService
import TestSupport
import Testing
import Vocabulary

@Suite struct ModelSelectorTests {
    @Test func presetsAndBudgetsPickTheDocumentedOption() throws {
        let zoo = TemporaryDirectory(prefix: "kac-select")
        try TinyModel.publish(
            into: zoo.path, name: "fashion-mnist/teacher", defaults: SamplingSettings(integrator: .heun, steps: 50, guidance: 2),
            evaluations: [
                EvaluationResult(steps: 50, integrator: .heun, guidanceScale: 2, networkEvaluations: 200, frechetDistance: 5),
                EvaluationResult(steps: 10, integrator: .heun, guidanceScale: 2, networkEvaluations: 40, frechetDistance: 9),
            ])
        try TinyModel.publish(
            into: zoo.path, name: "fashion-mnist/student", kind: .student,
            defaults: SamplingSettings(integrator: .euler, steps: 2, guidance: 1),
            evaluations: [
                EvaluationResult(steps: 1, integrator: .euler, guidanceScale: 1, networkEvaluations: 1, frechetDistance: 30),
                EvaluationResult(steps: 4, integrator: .euler, guidanceScale: 1, networkEvaluations: 4, frechetDistance: 12),
            ])
        let store = try ModelStore(root: zoo.path, create: false)
        let fastest = try ModelSelector.select(.fastest, from: store).0
        #expect(fastest.model == "fashion-mnist/student@1" && fastest.steps == 1 && fastest.kind == .student)
        let best = try ModelSelector.select(.best, from: store).0
        #expect(best.model == "fashion-mnist/teacher@1" && best.steps == 50 && best.sampler == .heun && best.guidance == 2)
        let balanced = try ModelSelector.select(.balanced, from: store).0
        #expect(balanced.model == "fashion-mnist/student@1" && balanced.steps == 4 && balanced.frechetDistance == 12)
        let budget = try ModelSelector.select(.stepBudget(10), from: store).0
        #expect(budget.model == "fashion-mnist/teacher@1" && budget.steps == 10 && budget.reason.contains("at most 10 steps"))
        #expect(best.candidates.count == 4)
    }

    @Test func withoutEvaluationsTheDefaultsDecide() throws {
        let zoo = TemporaryDirectory(prefix: "kac-select")
        try TinyModel.publish(into: zoo.path, name: "a", defaults: SamplingSettings(integrator: .euler, steps: 8, guidance: 1))
        try TinyModel.publish(
            into: zoo.path, name: "b", kind: .student, defaults: SamplingSettings(integrator: .euler, steps: 2, guidance: 1))
        let store = try ModelStore(root: zoo.path, create: false)
        #expect(try ModelSelector.select(.fastest, from: store).0.model == "b@1")
        let best = try ModelSelector.select(.best, from: store).0
        #expect(best.model == "a@1" && best.reason.contains("no evaluation has a Fréchet distance"))
        #expect(try ModelSelector.select(.balanced, from: store).0.model == "b@1")
        let tight = try ModelSelector.select(.stepBudget(1), from: store).0
        #expect(tight.model == "b@1" && tight.steps == 1)
        // A guidance-conditioned student takes s as an input: one pass per step even at s = 2.
        try TinyModel.publish(
            into: zoo.path, name: "c", kind: .student, defaults: SamplingSettings(integrator: .euler, steps: 3, guidance: 2),
            guidanceInput: true)
        try TinyModel.publish(
            into: zoo.path, name: "d", kind: .student, defaults: SamplingSettings(integrator: .euler, steps: 3, guidance: 2))
        let candidates = try ModelSelector.select(.best, from: store).0.candidates
        #expect(candidates.contains("c@1 euler×3 (guidance 2.0): NFE 3, FD unknown"), "\(candidates)")
        #expect(candidates.contains("d@1 euler×3 (guidance 2.0): NFE 6, FD unknown"), "\(candidates)")
        let empty = TemporaryDirectory(prefix: "kac-select-empty")
        #expect(throws: RenderError.self) { try ModelSelector.select(.best, from: try ModelStore(root: empty.path, create: true)) }
    }

    /// Presets choose among one data set's models: the job's, else the zoo's default, else the only one.
    @Test func presetsChooseWithinOneDataSet() throws {
        let zoo = TemporaryDirectory(prefix: "kac-select-datasets")
        try TinyModel.publish(
            into: zoo.path, name: "fashion-mnist/student-1", kind: .student,
            defaults: SamplingSettings(integrator: .euler, steps: 1, guidance: 1))
        let store = try ModelStore(root: zoo.path, create: false)
        let only = try ModelSelector.select(.fastest, from: store).0
        #expect(only.dataset == .fashionMNIST && only.datasetReason.contains("only data set"), "\(only)")

        try TinyModel.publishShapes(into: zoo.path, defaults: SamplingSettings(integrator: .euler, steps: 3, guidance: 1))
        #expect {
            try ModelSelector.select(.fastest, from: store)
        } throws: { error in
            guard case .invalidDataset(let reason) = error as? RenderError else { return false }
            return reason.contains("2 data sets") && reason.contains("shapes (shapes/teacher)")
        }
        let shapes = try ModelSelector.select(.fastest, dataset: DatasetName(parsing: "shapes"), from: store).0
        #expect(shapes.model == "shapes/teacher@1" && shapes.datasetReason == "named by the job")
        #expect(shapes.candidates == ["shapes/teacher@1 euler×3 (guidance 1.0): NFE 3, FD unknown"], "\(shapes.candidates)")
        #expect {
            try ModelSelector.select(.best, dataset: DatasetName(parsing: "Shapes"), from: store)
        } throws: { error in
            guard case .invalidDataset(let reason) = error as? RenderError else { return false }
            return reason.contains("data set \"Shapes\"")
        }
        try store.setDefaultDataset(DatasetName(parsing: "fashion-mnist"))
        let fallback = try ModelSelector.select(.stepBudget(8), from: store).0
        #expect(fallback.model == "fashion-mnist/student-1@1" && fallback.datasetReason.contains("zoo's default"), "\(fallback)")
    }

    /// Two classifiers' distances are different scales: only the judge covering the most models counts.
    @Test func distancesFromDifferentJudgesAreNotCompared() throws {
        let zoo = TemporaryDirectory(prefix: "kac-select-judge")
        let (small, wide) = ("fm/classifier@1", "fm/classifier@2")
        try TinyModel.publish(
            into: zoo.path, name: "fm/teacher", defaults: SamplingSettings(integrator: .euler, steps: 100, guidance: 1.5),
            evaluations: [EvaluationResult(steps: 100, networkEvaluations: 200, frechetDistance: 17, judge: small)])
        try TinyModel.publish(
            into: zoo.path, name: "fm/student", kind: .student, defaults: SamplingSettings(integrator: .euler, steps: 4, guidance: 1),
            evaluations: [
                EvaluationResult(steps: 4, networkEvaluations: 4, frechetDistance: 18, judge: small),
                // Lower only because the wide judge's scale is different: must not win `best`.
                EvaluationResult(steps: 2, networkEvaluations: 2, frechetDistance: 15, judge: wide),
            ])
        let store = try ModelStore(root: zoo.path, create: false)
        let best = try ModelSelector.select(.best, from: store).0
        #expect(best.model == "fm/teacher@1" && best.frechetDistance == 17, "\(best)")
        #expect(best.candidates.contains("fm/student@1 euler×2 (guidance 1.0): NFE 2, FD unknown"), "\(best.candidates)")
        #expect(best.candidates.contains("fm/teacher@1 euler×100 (guidance 1.5): NFE 200, FD 17.0 by fm/classifier@1"))
        // When the wide judge covers every model, its distances count and the small judge's do not.
        try TinyModel.publish(
            into: zoo.path, name: "fm/teacher", defaults: SamplingSettings(integrator: .euler, steps: 100, guidance: 1.5),
            evaluations: [
                EvaluationResult(steps: 100, networkEvaluations: 200, frechetDistance: 36, judge: wide),
                EvaluationResult(steps: 100, networkEvaluations: 200, frechetDistance: 1, judge: small),
            ])
        let rebest = try ModelSelector.select(.best, from: store).0
        #expect(rebest.model == "fm/student@1" && rebest.steps == 2 && rebest.frechetDistance == 15, "\(rebest)")
    }
}
