// Measurements behind the distillation defaults (forward vs trajectory starts, multi-stage vs one
// jump, narrow students; baked-guidance students vs one guidance-conditioned student), printed as
// tables. Not a CI test: it takes minutes, so it runs only with KAC_DISTILL_MEASURE=1
// (KAC_DISTILL_STEPS: steps per stage, default 400; KAC_DISTILL_EMA: EMA decay, default 0.99;
// KAC_DISTILL_ONLY: run only the rows whose name contains it).
import Foundation
import Generation
import KacFlow
import NeuralNet
import TensorCore
import TestSupport
import Testing
import Training
import Vocabulary

@Suite(.serialized) struct DistillMeasurements {
    static let enabled = ProcessInfo.processInfo.environment["KAC_DISTILL_MEASURE"] != nil
    static let stepsPerStage = ProcessInfo.processInfo.environment["KAC_DISTILL_STEPS"].flatMap(Int.init) ?? 400
    static let only = ProcessInfo.processInfo.environment["KAC_DISTILL_ONLY"]
    static let ema = ProcessInfo.processInfo.environment["KAC_DISTILL_EMA"].flatMap(Double.init)

    @Test(.enabled(if: enabled)) func table() throws {
        let toy = sharedToyTeacher
        let evaluator = PointCloudEvaluator(dataset: .eightGaussians)
        print(String(format: "teacher: trained in %.1f s; sampling noise SW %.4f", toy.trainingSeconds, evaluator.samplingNoise))
        for steps in [100, 20, 4, 2, 1] {
            for integrator in [Integrator.euler, .ab2] {
                let started = Date()
                let distance = evaluator.distance(toy.generator, settings: SamplingSettings(integrator: integrator, steps: steps))
                print(
                    String(
                        format: "teacher %@ %3d steps: SW %.4f (%.2f s)", integrator.rawValue, steps, distance,
                        Date().timeIntervalSince(started)))
            }
        }
        let narrow = NetworkArchitecture.mlp(
            MLPVelocityConfiguration(
                dimension: 2, hiddenWidth: 32, hiddenLayers: 3,
                embeddingWidth: 32, classCount: 8))
        let runs: [(String, DistillationConfiguration)] = [
            ("forward 100-20-4-2-1", toyDistillation(stages: [100, 20, 4, 2, 1], start: .forward, stepsPerStage: Self.stepsPerStage)),
            (
                "trajectory 100-20-4-2-1",
                toyDistillation(stages: [100, 20, 4, 2, 1], start: .trajectory, stepsPerStage: Self.stepsPerStage)
            ),
            ("forward 100-1", toyDistillation(stages: [100, 1], start: .forward, stepsPerStage: 4 * Self.stepsPerStage)),
            ("trajectory 100-1", toyDistillation(stages: [100, 1], start: .trajectory, stepsPerStage: 4 * Self.stepsPerStage)),
            ("trajectory 100-4-1", toyDistillation(stages: [100, 4, 1], start: .trajectory, stepsPerStage: 2 * Self.stepsPerStage)),
            (
                "narrow32 slice trajectory 100-20-4-2-1",
                toyDistillation(
                    stages: [100, 20, 4, 2, 1], start: .trajectory,
                    stepsPerStage: Self.stepsPerStage, studentArchitecture: narrow)
            ),
            (
                "narrow32 random trajectory 100-20-4-2-1",
                toyDistillation(
                    stages: [100, 20, 4, 2, 1], start: .trajectory,
                    stepsPerStage: Self.stepsPerStage, studentArchitecture: narrow, initialization: .random)
            ),
            (
                "narrow32 slice trajectory 100-1",
                toyDistillation(
                    stages: [100, 1], start: .trajectory,
                    stepsPerStage: 4 * Self.stepsPerStage, studentArchitecture: narrow)
            ),
            (
                "narrow32 random trajectory 100-1",
                toyDistillation(
                    stages: [100, 1], start: .trajectory,
                    stepsPerStage: 4 * Self.stepsPerStage, studentArchitecture: narrow, initialization: .random)
            ),
        ]
        for (name, base) in runs where Self.only.map({ name.contains($0) }) ?? true {
            var configuration = base
            if let ema = Self.ema { configuration.training.emaDecay = ema }
            let directory = TemporaryDirectory()
            let distiller = try toy.distiller(configuration, directory: directory.path)
            let started = Date()
            var line = "\(name):"
            var last = started
            try distiller.run(evaluate: evaluator.evaluator()) { student, report in
                let now = Date()
                line += String(
                    format: " %d→%.4f (%.1fs)", student.stage.studentSteps,
                    report.evaluation?.metrics["slicedWasserstein"] ?? .nan, now.timeIntervalSince(last))
                last = now
            }
            print(line + String(format: "  total %.1f s", Date().timeIntervalSince(started)))
        }
        // Speed of one pass: wide teacher vs narrow student, batch 2000.
        var random = RandomSource(seed: 3)
        let student = narrow.makeNetwork(random: &random)
        let x = Tensor(shape: [2000, 2], repeating: 0.1)
        for (label, network) in [("width 128", toy.network), ("width 32", student)] {
            let started = Date()
            for _ in 0..<50 { _ = network.velocity(x, times: Array(repeating: 0.5, count: 2000), labels: Array(repeating: 1, count: 2000)) }
            print(String(format: "%@: %.0f samples/s per pass", label, 50 * 2000 / Date().timeIntervalSince(started)))
        }
    }

    /// Guidance on 2-D data: students distilled 100 → 4 → 1 with trajectory starts, each sampled in
    /// one Euler step at s and compared with the 100-step teacher at the same s (SW between the two
    /// point clouds, same prior draws). Rows: students with s baked in (1 and 3), a baked s = 1
    /// student given classifier-free guidance at s (two passes), and guidance-conditioned students
    /// (s drawn in 1…3) given s as their input.
    @Test(.enabled(if: enabled)) func guidanceTable() throws {
        let toy = sharedToyTeacher
        let scales = [1.0, 1.5, 2, 2.5, 3]
        let reference = scales.map { toyTeacherPoints(guidance: $0) }
        print("guidance: SW to the 100-step teacher at the same s, for s = " + scales.map { String($0) }.joined(separator: ", "))
        func row(_ name: String, _ distance: (Int) -> Double) {
            print(
                name.padding(toLength: 48, withPad: " ", startingAt: 0)
                    + scales.indices.map { String(format: " %.4f", distance($0)) }.joined())
        }
        row("teacher 100 steps at s = 1") { SlicedWasserstein.distance(reference[0], reference[$0]) }
        row("teacher 1 Euler step at s") { index in
            let points = toyPoints(toy.generator, settings: SamplingSettings(integrator: .euler, steps: 1, guidance: scales[index]))
            return SlicedWasserstein.distance(points, reference[index])
        }
        let steps = 2 * Self.stepsPerStage
        let runs: [(String, DistillationConfiguration)] = [
            ("baked s=1", toyDistillation(stages: [100, 4, 1], start: .trajectory, stepsPerStage: steps, guidance: 1)),
            ("baked s=3", toyDistillation(stages: [100, 4, 1], start: .trajectory, stepsPerStage: steps, guidance: 3)),
            (
                "conditioned 1…3 trajectory",
                toyDistillation(
                    stages: [100, 4, 1], start: .trajectory, stepsPerStage: steps,
                    guidance: 1, guidanceRange: 1...3)
            ),
            (
                "conditioned 1…3 forward",
                toyDistillation(
                    stages: [100, 4, 1], start: .forward, stepsPerStage: steps,
                    guidance: 1, guidanceRange: 1...3)
            ),
        ]
        for (name, base) in runs where Self.only.map({ name.contains($0) }) ?? true {
            var configuration = base
            if let ema = Self.ema { configuration.training.emaDecay = ema }
            let directory = TemporaryDirectory()
            let started = Date()
            var last: DistilledStudent?
            try toy.distiller(configuration, directory: directory.path).run(onStageFinished: { student, _ in last = student })
            let seconds = Date().timeIntervalSince(started)
            let student = try #require(last)
            let points = { (scale: Double) in
                toyPoints(
                    student.generator,
                    settings: SamplingSettings(
                        integrator: .euler, steps: student.stage.studentSteps,
                        guidance: scale))
            }
            if configuration.guidanceRange == nil {
                let own = points(1)
                row(String(format: "%@, one pass (%.0f s)", name, seconds)) { SlicedWasserstein.distance(own, reference[$0]) }
                if configuration.guidance == 1 {
                    row("\(name) + classifier-free guidance at s") { SlicedWasserstein.distance(points(scales[$0]), reference[$0]) }
                }
            } else {
                row(String(format: "%@, s as input (%.0f s)", name, seconds)) {
                    SlicedWasserstein.distance(points(scales[$0]), reference[$0])
                }
            }
        }
    }
}
