// `kac refine` as an operator runs it, on 2-D data: a tiny paired-gaussians teacher (`kac train`,
// `kac publish`) and its one-step student (`kac distill`), refined by FGM and published as the
// student's next version with its lineage (parent = the refined student's blob, the command, the
// method in the blob's metadata, evaluation rows); `kac zoo rollback` brings the old version back.
// Re-running resumes (a larger --steps extends), and bad requests are refused with exit 64.
import Foundation
import Generation
import ModelStore
import TestSupport
import Testing
import Training

@Suite(.serialized) struct RefineCommandTests {
    @Test func refinesPublishesWithLineageResumesAndRefuses() throws {
        let directory = TemporaryDirectory()
        let zoo = directory.file("zoo"), run = directory.file("refine")
        let kac = DistillCommandTests.kac
        let train = try kac([
            "train", "--data", "paired-gaussians", "--run", directory.file("teacher"), "--steps", "200",
            "--hidden-width", "32", "--batch-size", "64", "--checkpoint-every", "200",
        ])
        try #require(train.status == 0, "kac train failed: \(train.errors)")
        let publish = try kac([
            "publish", directory.file("teacher/checkpoint.safetensors"), "--name", "toy/teacher", "--zoo", zoo,
            "--dtype", "f32", "--steps", "20", "--guidance", "1.5",
        ])
        try #require(publish.status == 0, "kac publish failed: \(publish.errors)")
        let distill = try kac([
            "distill", "--teacher", "toy/teacher", "--zoo", zoo, "--run", directory.file("distill"), "--stages", "20,1",
            "--steps-per-stage", "30", "--batch-size", "32", "--publish", "toy", "--dtype", "f32",
        ])
        try #require(distill.status == 0, "kac distill failed: \(distill.errors)")

        let arguments = [
            "refine", "--student", "toy/student-1@1", "--zoo", zoo, "--run", run, "--steps", "4", "--fake-warmup", "2",
            "--batch-size", "16", "--learning-rate", "1e-3", "--eval-samples", "200", "--log-every", "1",
        ]
        let first = try kac(arguments + ["--publish", "toy/student-1", "--dtype", "f32"])
        try #require(first.status == 0, "kac refine failed: \(first.errors)")
        // The teacher is found through the lineage, and progress lines name the discrepancy D.
        #expect(first.errors.contains("against toy/teacher@1 at s = 1.5"), "\(first.errors)")
        #expect(first.errors.contains("step 4/4 fake 6") && first.errors.contains(" D "), "\(first.errors)")
        #expect(first.errors.contains("sliced Wasserstein"), "\(first.errors)")
        let store = try ModelStore(root: zoo, create: false)
        let original = try store.resolve("toy/student-1@1"), refined = try store.resolve("toy/student-1")
        #expect(refined.version == 2 && refined.details.kind == .student)
        #expect(refined.details.parent == original.blob)
        #expect(refined.details.trainingCommand?.hasPrefix("kac refine --student toy/student-1@1") == true)
        #expect(refined.details.trainingSteps == 4 && refined.details.sampler == original.details.sampler)
        let metadata = try store.load(refined).checkpoint.metadata
        #expect(metadata["refinement.method"] == "fgm" && metadata["refinement.teacher"] == "toy/teacher@1")

        // Resume: the same command with more steps continues from step 4.
        let longer = try kac(arguments.map { $0 == "4" ? "6" : $0 })
        try #require(longer.status == 0, "kac refine (resume) failed: \(longer.errors)")
        #expect(longer.errors.contains("resuming at generator step 4, fake update 6"), "\(longer.errors)")
        #expect(longer.errors.contains("step 6/6"), "\(longer.errors)")

        // Another α on the same run, a teacher as the student, a bad time range: refused.
        let otherAlpha = try kac(arguments + ["--alpha", "1"])
        #expect(otherAlpha.status == 64 && otherAlpha.errors.contains("choose a new --run directory"), "\(otherAlpha.errors)")
        let notAStudent = try kac(["refine", "--student", "toy/teacher", "--zoo", zoo, "--run", directory.file("other")])
        #expect(notAStudent.status == 64 && notAStudent.errors.contains("not a student sampled by Euler steps"), "\(notAStudent.errors)")
        let badRange = try kac(arguments + ["--time-range", "0,0.5"])
        #expect(badRange.status == 64 && badRange.errors.contains("--time-range"), "\(badRange.errors)")

        // Rollback brings the endpoint-distilled student back as latest.
        let rollback = try kac(["zoo", "rollback", "toy/student-1", "--zoo", zoo])
        #expect(rollback.status == 0, "\(rollback.errors)")
        #expect(try ModelStore(root: zoo, create: false).resolve("toy/student-1").version == 1)

        // The adversarial method with the anchor: the pool is made once, progress lines name the
        // discriminator's logits and the anchor's error, and the method is in the published metadata.
        let adversarialRun = directory.file("adversarial")
        let adversarial = [
            "refine", "--student", "toy/student-1@1", "--zoo", zoo, "--run", adversarialRun, "--steps", "3", "--fake-warmup", "2",
            "--batch-size", "16", "--learning-rate", "1e-3", "--eval-samples", "200", "--log-every", "1", "--method", "adversarial",
            "--adversarial-weight", "0.1", "--anchor-weight", "1", "--anchor-pool", "64",
        ]
        let gan = try kac(adversarial + ["--publish", "toy/adversarial", "--dtype", "f32"])
        try #require(gan.status == 0, "kac refine --method adversarial failed: \(gan.errors)")
        #expect(gan.errors.contains("anchor pool 64/64") && gan.errors.contains("step 3/3 disc 5"), "\(gan.errors)")
        #expect(gan.errors.contains("d(real)") && gan.errors.contains("anchor-mse"), "\(gan.errors)")
        #expect(FileManager.default.fileExists(atPath: adversarialRun + "/anchor-pool.safetensors"))
        let published = try ModelStore(root: zoo, create: false).resolve("toy/adversarial")
        #expect(try ModelStore(root: zoo, create: false).load(published).checkpoint.metadata["refinement.method"] == "adversarial")
        // Other adversarial options on the same run, and inconsistent ones, are refused.
        let otherWeight = try kac(adversarial + ["--adversarial-weight", "0.2"])
        #expect(otherWeight.status == 64 && otherWeight.errors.contains("choose a new --run directory"), "\(otherWeight.errors)")
        let ganWithFGM = try kac(arguments + ["--adversarial-weight", "0.1"])
        #expect(ganWithFGM.status == 64 && ganWithFGM.errors.contains("--adversarial-weight"), "\(ganWithFGM.errors)")
        let tiltOnTeacher = try kac(adversarial.map { $0 == adversarialRun ? directory.file("tilt-teacher") : $0 } + ["--real-tilt", "0.5", "--real", "teacher"])
        #expect(tiltOnTeacher.status == 64 && tiltOnTeacher.errors.contains("--real-tilt"), "\(tiltOnTeacher.errors)")
        // The tilt's classifier reads images: on 2-D points it is refused before anything trains.
        let tiltOnPoints = try kac(adversarial.map { $0 == adversarialRun ? directory.file("tilt-points") : $0 } + ["--real-tilt", "0.5"])
        #expect(tiltOnPoints.status == 64 && tiltOnPoints.errors.contains("--real-tilt needs images"), "\(tiltOnPoints.errors)")
        let anchorWithoutWeight = try kac(arguments + ["--method", "anchor"])
        #expect(anchorWithoutWeight.status == 64 && anchorWithoutWeight.errors.contains("--anchor-weight"), "\(anchorWithoutWeight.errors)")

        // --keep-best selects by the second classifier, which does not score 2-D points: refused.
        let keepBest = try kac(arguments + ["--keep-best"])
        #expect(keepBest.status == 64 && keepBest.errors.contains("--keep-best"), "\(keepBest.errors)")
        // --publish publishes RUN/best.safetensors when it exists: its step, its rows, the rule in the lineage.
        let architecture = try ZooVelocityModel.load("toy/student-1@1", from: store).architecture
        let planted = try RefinementKeeper(directory: run, architecture: architecture, keepBest: true, snapshots: false)
        let row = EvaluationRow(
            model: "second", integrator: .euler, steps: 1, guidance: 1, networkEvaluations: 1, frechetDistance: 3, classAccuracy: 0.9,
            imagesPerSecond: 1, sampleCount: 10)
        let weights = try ZooVelocityModel.load("toy/student-1@1", from: store).network.parameters
        _ = try planted.record(weights: weights, step: 5, rows: [row], line: "eval 5", selectionRow: row)
        let fromBest = try kac(arguments.map { $0 == "4" ? "6" : $0 } + ["--publish", "toy/best", "--dtype", "f32"])
        try #require(fromBest.status == 0, "kac refine --publish failed: \(fromBest.errors)")
        #expect(fromBest.errors.contains("publishing RUN/best.safetensors: the EMA generator at step 5"), "\(fromBest.errors)")
        let best = try ModelStore(root: zoo, create: false).resolve("toy/best")
        #expect(best.details.trainingSteps == 5)
        let bestMetadata = try ModelStore(root: zoo, create: false).load(best).checkpoint.metadata
        #expect(bestMetadata["refinement.selection"]?.hasPrefix("best: lowest FD by the second classifier") == true)
        #expect(bestMetadata["refinement.steps"] == "5" && bestMetadata["refinement.runSteps"] == "6")
    }
}
