// The cache keys weights by blob but takes identity and settings from the resolved manifest, and a
// broken manifest affects only references to it (issue: one home for every name).
import Foundation
import Generation
import ModelStore
import RenderService
import TestSupport
import Testing
import Vocabulary

@Suite struct ModelCacheTests {
    /// Two versions sharing a blob: whatever the daemon loaded first, each renders with its own
    /// sampler defaults and is named as itself in the report.
    @Test func versionsSharingABlobKeepTheirOwnSettings() throws {
        let zoo = TemporaryDirectory(prefix: "kac-cache")
        let first = try TinyModel.publish(
            into: zoo.path, name: "fashion-mnist/student-1", kind: .student,
            defaults: SamplingSettings(integrator: .euler, steps: 1, guidance: 1))
        let second = try TinyModel.publish(
            into: zoo.path, name: "fashion-mnist/student-1", kind: .student,
            defaults: SamplingSettings(integrator: .heun, steps: 3, guidance: 1))
        #expect(first.blob == second.blob && first.version == 1 && second.version == 2)
        let cache = ModelCache(store: try ModelStore(root: zoo.path, create: false), capacityBytes: 1 << 30)
        for (manifest, steps, evaluations) in [(first, 1, 1), (second, 3, 6), (first, 1, 1)] {
            let model = try cache.model(try cache.resolve(try ModelReference(parsing: "fashion-mnist/student-1@\(manifest.version)")))
            #expect(model.manifest == manifest && model.defaults.steps == steps)
            let renderer = Renderer(model: model, batchSize: 2)
            let out = TemporaryDirectory(prefix: "kac-cache-out")
            let report = try renderer.render(try renderer.plan(RenderRequest(count: 1, seed: 5)), into: out.path)
            #expect(
                report.model == "fashion-mnist/student-1@\(manifest.version)" && report.steps == steps
                    && report.networkEvaluations == evaluations, "\(report.model) \(report.sampler)×\(report.steps)")
        }
        #expect(cache.loadedDigests == [first.blob], "one copy of the weights")
    }

    /// A truncated manifest of one model: digest references to another still resolve, and the
    /// presets name the skipped model and why.
    @Test func aTruncatedManifestAffectsOnlyItself() throws {
        let zoo = TemporaryDirectory(prefix: "kac-cache-broken")
        let good = try TinyModel.publish(
            into: zoo.path, name: "fashion-mnist/student-1", seed: 1, kind: .student,
            defaults: SamplingSettings(integrator: .euler, steps: 1, guidance: 1),
            evaluations: [
                EvaluationResult(
                    steps: 1, integrator: .euler, guidanceScale: 1,
                    networkEvaluations: 1, frechetDistance: 20)
            ])
        try TinyModel.publish(
            into: zoo.path, name: "fashion-mnist/student-4", seed: 2, kind: .student,
            defaults: SamplingSettings(integrator: .euler, steps: 4, guidance: 1),
            evaluations: [
                EvaluationResult(
                    steps: 4, integrator: .euler, guidanceScale: 1,
                    networkEvaluations: 4, frechetDistance: 10)
            ])
        let brokenPath = zoo.path + "/models/fashion-mnist/student-4/1.json"
        let bytes = try #require(FileManager.default.contents(atPath: brokenPath))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: brokenPath))
        let store = try ModelStore(root: zoo.path, create: false)
        #expect(try store.resolve("sha256-" + String(good.blob.hex.prefix(12))) == good)
        let (selection, manifest) = try ModelSelector.select(.balanced, from: store)
        #expect(manifest == good)
        #expect(
            selection.skipped.count == 1 && selection.skipped[0].description.hasPrefix("fashion-mnist/student-4@1: "),
            "\(selection.skipped)")
        #expect(throws: (any Error).self) { try store.resolve("fashion-mnist/student-4") }
    }
}
