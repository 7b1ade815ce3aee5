// The evaluation table, its JSON and the plot: aligned columns with empty ones dropped, a JSON round
// trip with a schema check, SampleEvaluator rows (NFE, counts, timing from an injected clock,
// determinism) on a small 2-D model, and an SVG with one polyline per sampler on a log x axis.
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

@Suite struct EvaluationReportTests {
    static let rows = [
        EvaluationRow(
            model: "fm/teacher@1", integrator: .euler, steps: 1, guidance: 1.5, networkEvaluations: 2,
            frechetDistance: 41.25, classAccuracy: 0.5, imagesPerSecond: 812.4, sampleCount: 1000),
        EvaluationRow(
            model: "fm/teacher@1", integrator: .ab2, steps: 100, guidance: 1.5, networkEvaluations: 200,
            frechetDistance: 1.5, classAccuracy: 0.946, imagesPerSecond: 9.25, sampleCount: 1000),
    ]

    @Test func tableIsAlignedAndDropsEmptyColumns() {
        let report = EvaluationReport(judge: "fm/classifier@1", reference: "test", seed: 7, rows: Self.rows)
        #expect(
            report.table() == """
                model         sampler  steps  guidance  NFE      FD  class acc  img/s
                fm/teacher@1  euler        1      1.50    2  41.250     50.0 %  812.4
                fm/teacher@1  ab2        100      1.50  200   1.500     94.6 %    9.2

                """)
    }

    @Test func tableShowsMultiLayerColumnsAndTheRealDataFloor() throws {
        var rows = Self.rows
        rows[0].multiLayerFrechetDistance = 3.125
        rows[0].multiLayerKernelDistance = 0.01234
        rows[1].multiLayerFrechetDistance = 0.5
        rows[1].multiLayerKernelDistance = 0.0004
        let floor = RealDataFloor(
            source: "train (1000 images, seed 7)", sampleCount: 1000, frechetDistance: 0.75,
            multiLayerFrechetDistance: 0.25, multiLayerKernelDistance: -0.00002, classAccuracy: 0.985)
        let report = EvaluationReport(judge: "fm/classifier@1", reference: "test", seed: 7, rows: rows, floor: floor)
        #expect(
            report.table() == """
                model                sampler  steps  guidance  NFE      FD  FD multi  KID×1e3  class acc  img/s
                fm/teacher@1         euler        1      1.50    2  41.250     3.125    12.34     50.0 %  812.4
                fm/teacher@1         ab2        100      1.50  200   1.500     0.500     0.40     94.6 %    9.2
                real images (floor)  -            -         -    -   0.750     0.250    -0.02     98.5 %      -

                """)
        let directory = TemporaryDirectory()
        let path = directory.file("eval.json")
        try report.json().write(to: URL(fileURLWithPath: path))
        #expect(try EvaluationReport.read(from: path) == report)
        #expect(rows[0].manifestResult(judge: nil).multiLayerKernelDistance == 0.01234 && rows[1].manifestResult(judge: nil).multiLayerFrechetDistance == 0.5)
    }

    @Test func reportsAndManifestRowsWrittenBeforeTheMultiLayerColumnsStillRead() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("old.json")
        try Data(
            """
            {"judge": "fm/classifier@1", "reference": "test", "schema": "kac-evaluation/1", "seed": 7, "rows": [
              {"classAccuracy": 0.945, "frechetDistance": 16.94, "guidance": 1.5, "imagesPerSecond": 2.4, "integrator": "euler",
               "model": "fm/teacher@1", "networkEvaluations": 200, "sampleCount": 1000, "steps": 100}]}
            """.utf8
        ).write(to: URL(fileURLWithPath: path))
        let report = try EvaluationReport.read(from: path)
        #expect(report.floor == nil && report.rows[0].frechetDistance == 16.94 && report.rows[0].multiLayerKernelDistance == nil)
        let result = try JSONDecoder().decode(EvaluationResult.self, from: Data(#"{"steps": 4, "frechetDistance": 17.06}"#.utf8))
        #expect(result.frechetDistance == 17.06 && result.multiLayerFrechetDistance == nil && result.multiLayerKernelDistance == nil)
    }

    @Test func jsonRoundTripsAndUnknownSchemasAreRefused() throws {
        let directory = TemporaryDirectory()
        let report = EvaluationReport(judge: "fm/classifier@1", reference: "test", seed: 7, rows: Self.rows)
        let path = directory.file("eval.json")
        try report.json().write(to: URL(fileURLWithPath: path))
        #expect(try EvaluationReport.read(from: path) == report)
        let object = try #require(try JSONSerialization.jsonObject(with: report.json()) as? [String: Any])
        #expect(Set(object.keys) == ["schema", "judge", "reference", "seed", "rows"])
        let row = try #require((object["rows"] as? [[String: Any]])?.first)
        #expect(
            Set(row.keys) == [
                "model", "integrator", "steps", "guidance", "networkEvaluations", "frechetDistance",
                "classAccuracy", "imagesPerSecond", "sampleCount",
            ])
        #expect(Self.rows[1].manifestResult(judge: nil).integrator == .ab2 && Self.rows[1].manifestResult(judge: nil).networkEvaluations == 200)

        let future = String(decoding: try report.json(), as: UTF8.self).replacingOccurrences(
            of: "kac-evaluation/1", with: "kac-evaluation/9")
        try Data(future.utf8).write(to: URL(fileURLWithPath: path))
        #expect { try EvaluationReport.read(from: path) } throws: { error in
            "\(error)".contains("schema kac-evaluation/9, this kac reads kac-evaluation/1")
        }
    }

    @Test func sampleEvaluatorRowsOnA2DModel() {
        var random = RandomSource(seed: 1)
        let configuration = MLPVelocityConfiguration(
            dimension: 2, hiddenWidth: 16, hiddenLayers: 1, embeddingWidth: 8,
            classCount: 8)
        let architecture = NetworkArchitecture.mlp(configuration)
        let generator = Generator(
            network: architecture.makeNetwork(random: &random), architecture: architecture,
            path: KacPath.Configuration())
        var target = RandomSource(seed: 2)
        let points = ToyDataset.eightGaussians.sample(count: 64, random: &target).samples
        var ticks = 0.0
        let evaluator = SampleEvaluator(
            judge: .slicedWasserstein(target: points), sampleCount: 64, seed: 3, batchSize: 10,
            clock: {
                ticks += 0.5; return ticks
            })
        #expect(evaluator.labels(classCount: 8).prefix(10) == [0, 1, 2, 3, 4, 5, 6, 7, 0, 1])
        let plain = evaluator.evaluate(generator, model: "toy", settings: SamplingSettings(integrator: .euler, steps: 3))
        #expect(plain.networkEvaluations == 3 && plain.sampleCount == 64 && plain.imagesPerSecond == 128)
        #expect(plain.frechetDistance == nil && plain.classAccuracy == nil && (plain.slicedWasserstein ?? 0) > 0)
        let guided = evaluator.evaluate(generator, model: "toy", settings: SamplingSettings(integrator: .heun, steps: 3, guidance: 2))
        #expect(guided.networkEvaluations == 12)
        let again = evaluator.evaluate(generator, model: "toy", settings: SamplingSettings(integrator: .euler, steps: 3))
        #expect(again.slicedWasserstein == plain.slicedWasserstein)
    }

    @Test func plotHasOneLinePerSamplerOnALogAxis() {
        var rows: [EvaluationRow] = []
        for integrator in [Integrator.euler, .ab2] {
            for steps in [1, 2, 4, 10, 20, 50, 100] {
                rows.append(
                    EvaluationRow(
                        model: "m", integrator: integrator, steps: steps, guidance: 1.5,
                        networkEvaluations: 2 * steps, frechetDistance: 60 / Double(steps),
                        imagesPerSecond: 1, sampleCount: 10))
            }
        }
        let plot = EvaluationPlot(rows: rows, title: "FD <test>")
        #expect(plot.series.map(\.name) == ["euler", "ab2"])
        #expect(plot.series[0].points.map(\.x) == [2, 4, 8, 20, 40, 100, 200])
        let svg = plot.svg()
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"900\" height=\"560\""))
        #expect(svg.components(separatedBy: "<polyline").count - 1 == 2)
        #expect(svg.components(separatedBy: "<circle").count - 1 == 14)
        #expect(svg.contains("FD &lt;test&gt;") && svg.contains("(log scale)</text>"))
        // 60 down to 0.6 spans 100×: the y axis is logarithmic too; x ticks step 1-2-5 from 2 to 200.
        #expect(svg.contains("Fréchet distance (classifier features) (log scale)"))
        for tick in [">2<", ">5<", ">10<", ">20<", ">50<", ">100<", ">200<"] { #expect(svg.contains(tick), "missing x tick \(tick)") }
        #expect(!svg.contains(">500<"))  // neither axis reaches 500
    }

    @Test func longLegendNamesWidenTheCanvasInsteadOfBeingCut() {
        let rows = ["fashion-mnist/teacher@1", "fashion-mnist/student-20@1"].map { model in
            EvaluationRow(
                model: model, integrator: .euler, steps: 4, guidance: 1.5, networkEvaluations: 8,
                frechetDistance: 20, imagesPerSecond: 1, sampleCount: 10)
        }
        let plot = EvaluationPlot(rows: rows, title: "t")
        let longest = "fashion-mnist/student-20@1 euler".count
        #expect(plot.legendWidth >= 60 + 8 * Double(longest))
        let width = 900 + Int(plot.legendWidth - 220)
        #expect(width > 900 && plot.svg().hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\""))
    }
}
