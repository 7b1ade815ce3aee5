// `kac distill` as an operator runs it, on 2-D data: train a tiny teacher with `kac train`, distill
// and publish every stage, check the zoo lineage (each student's parent is its teacher's blob),
// re-run to see finished stages skipped without new versions, and see bad options refused. A
// --guidance-range run publishes guidance-conditioned students that `kac eval` runs in one pass per
// step at their default scale or at every scale of the grid.
import Foundation
import Generation
import ModelStore
import TestSupport
import Testing
import Training
import Vocabulary

@Suite(.serialized) struct DistillCommandTests {
    /// Runs the built kac; returns the exit status and standard error (where kac writes its status lines).
    static func kac(_ arguments: [String]) throws -> (status: Int32, errors: String) {
        let result = try ChildProcess.run(ChildProcess.builtProduct("kac"), arguments)
        return (result.status, result.error)
    }

    @Test func distillsPublishesWithLineageAndResumes() throws {
        let directory = TemporaryDirectory()
        let teacherRun = directory.file("teacher"), run = directory.file("distill"), zoo = directory.file("zoo")
        let train = try Self.kac([
            "train", "--data", "eight-gaussians", "--run", teacherRun, "--steps", "200",
            "--hidden-width", "32", "--batch-size", "64", "--checkpoint-every", "200",
        ])
        try #require(train.status == 0, "kac train failed: \(train.errors)")
        let arguments = [
            "distill", "--teacher-run", teacherRun, "--stages", "10,2,1", "--steps-per-stage", "30,20",
            "--batch-size", "32", "--start", "trajectory", "--pool", "64", "--guidance", "1.5",
            "--run", run, "--publish", "toy", "--zoo", zoo, "--tag", "fast",
        ]
        let first = try Self.kac(arguments)
        try #require(first.status == 0, "kac distill failed: \(first.errors)")
        #expect(first.errors.contains("stage-1: 1-step student ready: slicedWasserstein "), "\(first.errors)")

        #expect(try StageReport.load(from: run + "/stage-2/stage.json")?.trainingSteps == 30)
        #expect(try TrainingState.load(from: run + "/stage-1/checkpoint.safetensors").state.step == 20)
        let store = try ModelStore(root: zoo, create: false)
        let two = try store.resolve("toy/student-2:fast"), one = try store.resolve("toy/student-1:fast")
        #expect(two.details.kind == .student && one.details.kind == .student)
        #expect(two.details.parent == nil, "a teacher from a training run has no blob to point to")
        #expect(one.details.parent == two.blob)
        #expect(one.details.sampler == SamplingSettings(integrator: .euler, steps: 1, guidance: 1))
        #expect(one.details.trainingCommand?.contains("distill --teacher-run") == true)
        let loaded = try store.load("toy/student-1")
        #expect(loaded.checkpoint.metadata["distillation.bakedGuidance"] == "1.5")
        #expect(loaded.checkpoint.metadata["evaluation.slicedWasserstein"] != nil)

        // A stage published later by `kac publish` carries the same record of how it was made.
        let published = try Self.kac([
            "publish", run + "/stage-1/checkpoint.safetensors", "--name", "toy/republished", "--kind", "student",
            "--steps", "1", "--zoo", zoo,
        ])
        try #require(published.status == 0, "kac publish failed: \(published.errors)")
        let republished = try store.load("toy/republished").checkpoint.metadata
        #expect(republished["distillation.stage"] == "2->1" && republished["distillation.bakedGuidance"] == "1.5")
        #expect(republished["distillation.start"] == "trajectory" && republished["source"] == "kac publish")

        // `kac eval` takes a student at its own setting (Euler, its steps, s = 1), a grid only on request.
        let evaluation = directory.file("eval.json")
        let own = try Self.kac([
            "eval", "--model", "toy/student-1", "--model", "toy/student-2", "--zoo", zoo,
            "--steps", "3,5", "--samples", "64", "--json-file", evaluation,
        ])
        try #require(own.status == 0, "kac eval failed: \(own.errors)")
        let rows = try EvaluationReport.read(from: evaluation).rows
        #expect(rows.map(\.steps) == [1, 2] && rows.allSatisfy { $0.guidance == 1 && $0.integrator == .euler })
        let grid = try Self.kac([
            "eval", "--model", "toy/student-1", "--zoo", zoo, "--steps", "3,5", "--samplers", "euler",
            "--guidance", "1", "--samples", "64", "--student-grid", "--json-file", evaluation,
        ])
        try #require(grid.status == 0, "kac eval --student-grid failed: \(grid.errors)")
        #expect(try EvaluationReport.read(from: evaluation).rows.map(\.steps) == [3, 5])

        let again = try Self.kac(arguments)
        #expect(again.status == 0, "\(again.errors)")
        #expect(again.errors.components(separatedBy: "skipping").count == 3, "\(again.errors)")
        #expect(try store.resolve("toy/student-1").version == one.version, "a re-run must not publish again")

        let changed = try Self.kac(arguments.map { $0 == "1.5" ? "2" : $0 })
        #expect(changed.status != 0)
        #expect(changed.errors.contains("was started with a different distillation"), "\(changed.errors)")
        let reversed = try Self.kac(["distill", "--teacher-run", teacherRun, "--stages", "1,4", "--run", directory.file("bad")])
        #expect(reversed.status != 0)
        #expect(reversed.errors.contains("strictly decreasing"), "\(reversed.errors)")

        // KAC.md §7's figures against the parent, kept in a new version and shown by `kac zoo show`.
        let stability = try ChildProcess.run(
            ChildProcess.builtProduct("kac"),
            ["zoo", "stability", "toy/student-1", "--zoo", zoo, "--samples", "32", "--record"])
        try #require(stability.status == 0, "kac zoo stability failed: \(stability.error)")
        #expect(stability.output.contains("against toy/student-2@"), "\(stability.output)")
        let recorded = try store.resolve("toy/student-1")
        #expect(recorded.version == one.version + 1 && recorded.blob == one.blob)
        let figures = try #require(recorded.details.stability)
        #expect(figures.velocityBound == 8 && figures.interval == 1 && figures.dimension == 2, "\(figures)")
        #expect(figures.endpointErrorMax > 0 && figures.pathErrorBound > figures.endpointErrorMax)
        let shown = try ChildProcess.run(
            ChildProcess.builtProduct("kac"), ["zoo", "show", "toy/student-1", "--zoo", zoo, "--metadata"])
        #expect(shown.output.contains("path-error bound"), "\(shown.output)")
        #expect(
            shown.output.split(separator: "\n").contains { $0.hasPrefix("metadata ") && $0.contains("distillation.") },
            "the checkpoint's distillation.* entries: \(shown.output)")
        let teacherless = try Self.kac(["zoo", "stability", "toy/student-2", "--zoo", zoo])
        #expect(teacherless.status == 64 && teacherless.errors.contains("--teacher"), "\(teacherless.errors)")
    }

    @Test func guidanceRangeStudentsTakeTheScaleAsTheirInput() throws {
        let directory = TemporaryDirectory()
        let teacherRun = directory.file("teacher"), run = directory.file("distill"), zoo = directory.file("zoo")
        let train = try Self.kac([
            "train", "--data", "eight-gaussians", "--run", teacherRun, "--steps", "100",
            "--hidden-width", "32", "--batch-size", "64", "--checkpoint-every", "100",
        ])
        try #require(train.status == 0, "kac train failed: \(train.errors)")
        let arguments = [
            "distill", "--teacher-run", teacherRun, "--stages", "10,2", "--steps-per-stage", "20",
            "--batch-size", "32", "--guidance-range", "1,3", "--guidance", "2", "--run", run,
            "--publish", "toy", "--zoo", zoo,
        ]
        let distill = try Self.kac(arguments)
        try #require(distill.status == 0, "kac distill failed: \(distill.errors)")
        #expect(distill.errors.contains("s in 1.0…3.0, an input of the student"), "\(distill.errors)")

        let store = try ModelStore(root: zoo, create: false)
        let manifest = try store.resolve("toy/student-2")
        #expect(manifest.details.sampler == SamplingSettings(integrator: .euler, steps: 2, guidance: 2))
        let architecture = try ManifestCoding.decode(NetworkArchitecture.self, from: manifest.details.architecture, model: "toy")
        #expect(architecture.hasGuidanceInput)
        let metadata = try store.load("toy/student-2").checkpoint.metadata
        #expect(metadata["distillation.guidanceRange"] == "1.0,3.0" && metadata["distillation.bakedGuidance"] == nil)

        // Its own setting is its default scale; on the grid every scale is its input: 2 steps = 2 passes
        // (classifier-free guidance would take 4). That s changes the samples is shown in-process
        // (GuidanceDistillTests): this barely trained teacher hardly depends on its label.
        let evaluation = directory.file("eval.json")
        let own = try Self.kac(["eval", "--model", "toy/student-2", "--zoo", zoo, "--samples", "64", "--json-file", evaluation])
        try #require(own.status == 0, "kac eval failed: \(own.errors)")
        let ownRows = try EvaluationReport.read(from: evaluation).rows
        #expect(ownRows.map(\.guidance) == [2] && ownRows.map(\.networkEvaluations) == [2])
        let grid = try Self.kac([
            "eval", "--model", "toy/student-2", "--zoo", zoo, "--steps", "2", "--samplers", "euler",
            "--guidance", "1,3", "--samples", "64", "--student-grid", "--json-file", evaluation,
        ])
        try #require(grid.status == 0, "kac eval --student-grid failed: \(grid.errors)")
        let gridRows = try EvaluationReport.read(from: evaluation).rows
        #expect(gridRows.map(\.guidance) == [1, 3] && gridRows.map(\.networkEvaluations) == [2, 2])

        let outside = try Self.kac(arguments.map { $0 == "2" ? "4" : $0 })
        #expect(outside.status != 0 && outside.errors.contains("must lie in --guidance-range"), "\(outside.errors)")
        let reversed = try Self.kac(arguments.map { $0 == "1,3" ? "3,1" : $0 })
        #expect(reversed.status != 0 && reversed.errors.contains("--guidance-range takes LOW,HIGH"), "\(reversed.errors)")
    }
}
