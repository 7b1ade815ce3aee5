// The JSON a producer reads — `selection` and `render` of `out/<job>/result.json`, and `kac render
// --json` — stays byte-for-byte what it was while the values behind it became typed: a selection and
// a render of a tiny two-model zoo, encoded as result.json is (sorted keys, pretty, slashes as they
// are), against goldens written by the build whose fields were plain strings. Only the measured
// seconds are set to 0 before comparing.
import Foundation
import Generation
import ModelStore
import RenderService
import TestSupport
import Testing
import Vocabulary

@Suite struct ReportJSONTests {
    static func encoded(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// `text` with every `"…Seconds" : number` set to 0 (timings vary from run to run).
    static func withoutTimings(_ text: String) -> String {
        text.replacing(/("[A-Za-z]*Seconds" : )[-0-9.e+]+/) { "\($0.output.1)0" }
    }

    static func zoo() throws -> TemporaryDirectory {
        let zoo = TemporaryDirectory(prefix: "kac-report-json")
        try TinyModel.publish(
            into: zoo.path, name: "fashion-mnist/teacher", defaults: SamplingSettings(integrator: .heun, steps: 3, guidance: 2),
            evaluations: [EvaluationResult(steps: 3, integrator: .heun, guidanceScale: 2, networkEvaluations: 12, frechetDistance: 5)])
        try TinyModel.publish(
            into: zoo.path, name: "fashion-mnist/student", seed: 2, kind: .student,
            defaults: SamplingSettings(integrator: .euler, steps: 1, guidance: 1),
            evaluations: [EvaluationResult(steps: 1, integrator: .euler, guidanceScale: 1, networkEvaluations: 1, frechetDistance: 30)])
        return zoo
    }

    @Test func selectionAndReportEncodeAsBefore() throws {
        let zoo = try Self.zoo()
        let cache = ModelCache(store: try ModelStore(root: zoo.path, create: false), capacityBytes: 1 << 30)
        let (selection, manifest) = try cache.select(.best)
        let selectionJSON = try Self.encoded(selection)
        #expect(selectionJSON == Self.golden(Self.goldenSelection, digest: manifest.blob), "\(selectionJSON)")
        let renderer = Renderer(model: try cache.model(manifest), batchSize: 2)
        let out = TemporaryDirectory(prefix: "kac-report-json-out")
        let plan = try renderer.plan(RenderRequest(count: 2, labels: [.name("bag"), .index(1)], seed: 5), defaults: selection.settings)
        let report = try renderer.render(plan, into: out.path)
        let reportJSON = Self.withoutTimings(try Self.encoded(report))
        #expect(reportJSON == Self.golden(Self.goldenReport, digest: manifest.blob), "\(reportJSON)")
    }

    /// The golden with the blob's digest put in (it changes with the tiny model's weights, not the format).
    static func golden(_ text: String, digest: Digest) -> String {
        text.replacingOccurrences(of: "DIGEST", with: digest.description)
    }

    static let goldenSelection = """
        {
          "candidates" : [
            "fashion-mnist/student@1 euler×1 (guidance 1.0): NFE 1, FD 30.0",
            "fashion-mnist/teacher@1 heun×3 (guidance 2.0): NFE 12, FD 5.0"
          ],
          "dataset" : "fashion-mnist",
          "datasetReason" : "the only data set the zoo's image models were trained on",
          "digest" : "DIGEST",
          "frechetDistance" : 5,
          "goal" : "quality=best",
          "guidance" : 2,
          "kind" : "teacher",
          "model" : "fashion-mnist/teacher@1",
          "networkEvaluations" : 12,
          "reason" : "lowest Fréchet distance (5.0)",
          "sampler" : "heun",
          "skipped" : [

          ],
          "steps" : 3
        }
        """

    static let goldenReport = """
        {
          "channels" : 1,
          "classNames" : [
            "t-shirt",
            "trouser",
            "pullover",
            "dress",
            "coat",
            "sandal",
            "shirt",
            "sneaker",
            "bag",
            "ankle-boot"
          ],
          "generated" : 2,
          "guidance" : 2,
          "height" : 28,
          "images" : [
            {
              "className" : "bag",
              "file" : "0000-bag.png",
              "index" : 0,
              "label" : 8,
              "reused" : false,
              "seed" : 5
            },
            {
              "className" : "trouser",
              "file" : "0001-trouser.png",
              "index" : 1,
              "label" : 1,
              "reused" : false,
              "seed" : 5
            }
          ],
          "model" : "fashion-mnist/teacher@1",
          "modelDigest" : "DIGEST",
          "networkEvaluations" : 24,
          "precision" : "fp32",
          "rendered" : 2,
          "sampler" : "heun",
          "seed" : 5,
          "steps" : 3,
          "timings" : {
            "encodeSeconds" : 0,
            "encodeWaitSeconds" : 0,
            "generateSeconds" : 0,
            "totalSeconds" : 0
          },
          "width" : 28
        }
        """
}
