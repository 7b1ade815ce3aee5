// `kac publish` and `kac eval` as a user runs them (the built binary as a child process): a tiny
// training checkpoint published into a temporary zoo loads back with the same weights (within fp16
// rounding) and a complete manifest; a 2-D evaluation writes its table, JSON and a PNG plot.
import Foundation
import Generation
import KacFlow
import ModelStore
import NeuralNet
import TensorCore
import TestSupport
import Testing
import Training
import Vocabulary

/// Runs `.build/<configuration>/kac` (built next to the test bundle by `swift test`).
func runKac(_ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
    var executable = (CommandLine.arguments[0] as NSString).deletingLastPathComponent + "/kac"
    if !FileManager.default.isExecutableFile(atPath: executable) {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        executable = root.path + "/.build/release/kac"
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let output = Pipe(), error = Pipe()
    process.standardOutput = output
    process.standardError = error
    try process.run()
    let out = output.fileHandleForReading.readDataToEndOfFile()
    let err = error.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
}

/// Width and height from a PNG's IHDR chunk, or nil if the bytes are not a PNG.
private func pngSize(_ bytes: [UInt8]) -> (width: Int, height: Int)? {
    let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    guard bytes.count > 24, Array(bytes[0..<8]) == signature, Array(bytes[12..<16]) == Array("IHDR".utf8) else { return nil }
    func word(_ at: Int) -> Int { bytes[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) } }
    return (word(16), word(20))
}

@Suite(.serialized) struct EvaluationCLITests {
    /// A 40-step toy run saved as a training checkpoint.
    static func toyCheckpoint(in directory: TemporaryDirectory) throws -> (path: String, state: TrainingState) {
        var recipe = toyRecipe(steps: 40)
        recipe.dataset = "eight-gaussians"
        recipe.datasetDigest = Digest.sha256(of: Array("toy".utf8)).description
        recipe.command = "kac train --data eight-gaussians --steps 40"
        let (objective, count) = toyObjective(recipe: recipe)
        let trainer = Trainer(recipe: recipe, objective: objective, datasetCount: count)
        try trainer.run(checkpointPath: nil, checkpointEvery: 1000, progress: nil)
        let path = directory.file("checkpoint.safetensors")
        try trainer.save(to: path)
        return (path, trainer.state)
    }

    @Test func publishRoundTripKeepsWeightsAndRecipe() throws {
        let directory = TemporaryDirectory()
        let (checkpoint, state) = try Self.toyCheckpoint(in: directory)
        let zoo = directory.file("zoo")
        let report = EvaluationReport(
            judge: "sliced-wasserstein", reference: "toy", seed: 7,
            rows: [
                EvaluationRow(
                    model: checkpoint, integrator: .ab2, steps: 10, guidance: 1, networkEvaluations: 10,
                    slicedWasserstein: 0.05, imagesPerSecond: 5000, sampleCount: 500)
            ])
        try report.json().write(to: URL(fileURLWithPath: directory.file("eval.json")))

        let published = try runKac([
            "publish", checkpoint, "--name", "toy/teacher", "--zoo", zoo, "--tag", "stable",
            "--evaluation", directory.file("eval.json"),
        ])
        #expect(published.status == 0, "\(published.error)")
        #expect(published.output.hasPrefix("published teacher toy/teacher@1 (step 40, 1 evaluation rows, "))

        let model = try ZooVelocityModel.load("toy/teacher:stable", from: try ModelStore(root: zoo, create: false))
        let shadow = state.average.shadow
        #expect(model.network.parameters.names == shadow.names)
        for (loaded, original) in zip(model.network.parameters.tensors, shadow.tensors) {
            // fp16 keeps 11 significant bits: relative error ≤ 2⁻¹¹, plus subnormal steps near 0.
            #expect(maxRelativeError(loaded.scalars, original.scalars, floor: 1e-3) <= 1.0 / 2048 + 1e-6)
        }
        let details = model.manifest.details
        #expect(details.kind == .teacher && model.manifest.dtype == .f16)
        #expect(
            try ManifestCoding.decode(NetworkArchitecture.self, from: details.architecture, model: "t") == toyRecipe(steps: 1).architecture)
        #expect(details.kac == KacParameters(dampingRate: 9, speed: 3, horizon: 1, schedule: .linear))
        #expect(details.sampler == SamplingSettings(integrator: .euler, steps: 100, guidance: 1.5))
        #expect(details.dataset == DatasetReference(name: "eight-gaussians", digest: Digest.sha256(of: Array("toy".utf8))))
        #expect(details.trainingCommand == "kac train --data eight-gaussians --steps 40")
        #expect(details.seed == 11 && details.trainingSteps == 40 && details.parent == nil)
        #expect(
            details.evaluations == [
                EvaluationResult(
                    steps: 10, integrator: .ab2, guidanceScale: 1, networkEvaluations: 10,
                    imagesPerSecond: 5000, sampleCount: 500, judge: "sliced-wasserstein")
            ])

        // A student needs its step count; the parent resolves to the teacher's blob digest.
        let student = try runKac(["publish", checkpoint, "--name", "toy/student", "--kind", "student", "--zoo", zoo])
        #expect(student.status != 0 && student.error.contains("pass --steps N"))
        let withSteps = try runKac([
            "publish", checkpoint, "--name", "toy/student", "--kind", "student", "--steps", "2",
            "--parent", "toy/teacher", "--dtype", "f32", "--zoo", zoo,
        ])
        #expect(withSteps.status == 0, "\(withSteps.error)")
        let studentModel = try ZooVelocityModel.load("toy/student", from: try ModelStore(root: zoo, create: false))
        #expect(studentModel.manifest.details.parent == model.manifest.blob)
        #expect(studentModel.defaults == SamplingSettings(integrator: .euler, steps: 2, guidance: 1))
        #expect(studentModel.network.parameters == shadow)
    }

    @Test func evalOfA2DRunWritesTableJSONAndPlot() throws {
        let directory = TemporaryDirectory()
        let (checkpoint, _) = try Self.toyCheckpoint(in: directory)
        let result = try runKac([
            "eval", "--run", directory.path, "--steps", "1,4", "--samplers", "euler,heun",
            "--guidance", "1", "--samples", "200", "--json-file", directory.file("eval.json"),
            "--plot", directory.file("eval.png"), "--save-samples", directory.file("samples"),
        ])
        #expect(result.status == 0, "\(result.error)")
        // --save-samples: one file per row with the samples as generated, the cycling labels and the setting.
        let saved = try FileManager.default.contentsOfDirectory(atPath: directory.file("samples")).sorted()
        #expect(saved.count == 4 && saved.allSatisfy { $0.hasSuffix("-seed7.safetensors") }, "\(saved)")
        let heun4 = try #require(saved.first { $0.contains("-heun-4-s1.0-") })
        let file = try Safetensors.read(from: directory.file("samples") + "/" + heun4)
        #expect(file["samples"]?.shape == [200, 2] && file["labels"]?.values.prefix(9) == [0, 1, 2, 3, 4, 5, 6, 7, 0])
        #expect(file.metadata["integrator"] == "heun" && file.metadata["steps"] == "4" && file.metadata["seed"] == "7")
        // Right-aligned last column: every line has the same length. FD and class accuracy columns are dropped.
        let lines = result.output.split(separator: "\n").map(String.init)
        #expect(lines.count == 5 && Set(lines.map(\.count)).count == 1, "\(result.output)")
        let cells = lines.map { $0.split(separator: " ").map(String.init) }
        #expect(cells[0] == ["model", "sampler", "steps", "guidance", "NFE", "SW", "img/s"])
        #expect(cells[1].prefix(5) == ["\(directory.path)@step40", "euler", "1", "1.00", "1"])
        #expect(cells[4].prefix(5) == ["\(directory.path)@step40", "heun", "4", "1.00", "8"])
        let report = try EvaluationReport.read(from: directory.file("eval.json"))
        #expect(report.judge == "sliced-wasserstein" && report.rows.count == 4)
        #expect(report.rows.allSatisfy { ($0.slicedWasserstein ?? 0) > 0 && $0.sampleCount == 200 })
        let png = try #require(FileManager.default.contents(atPath: directory.file("eval.png")))
        let size = try #require(pngSize([UInt8](png)))
        #expect(size.width >= 900 && size.height == 560)  // wider when the legend's names are long
        // --report re-prints the same table from the JSON, and re-plots it.
        let again = try runKac(["eval", "--report", directory.file("eval.json"), "--plot", directory.file("again.png")])
        #expect(again.status == 0 && again.output == result.output, "\(again.error)")
        #expect(FileManager.default.fileExists(atPath: directory.file("again.png")))

        // The rows go into the zoo with the checkpoint they were measured on.
        let zoo = directory.file("zoo")
        let published = try runKac([
            "publish", checkpoint, "--name", "toy/teacher", "--zoo", zoo,
            "--evaluation", directory.file("eval.json"),
        ])
        #expect(published.status == 0, "\(published.error)")
        let manifest = try ModelStore(root: zoo, create: false).resolve("toy/teacher")
        #expect(manifest.details.evaluations == report.rows.map { $0.manifestResult(judge: report.judge) })
        // Rows measured at another step of the run are refused.
        let stale = String(decoding: try report.json(), as: UTF8.self).replacingOccurrences(of: "@step40", with: "@step30")
        try Data(stale.utf8).write(to: URL(fileURLWithPath: directory.file("stale.json")))
        let refused = try runKac([
            "publish", checkpoint, "--name", "toy/teacher", "--zoo", zoo,
            "--evaluation", directory.file("stale.json"),
        ])
        #expect(refused.status != 0 && refused.error.contains("was measured at step 30 but"), "\(refused.error)")

        let missing = try runKac(["eval", "--steps", "1"])
        #expect(missing.status != 0 && missing.error.contains("nothing to evaluate"))
    }
}
