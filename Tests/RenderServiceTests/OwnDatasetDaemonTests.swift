// A real kacd serving a zoo that holds two data sets: the grey Fashion-MNIST teacher and a 16×16
// RGB model of `shapes` (classes circle, square, triangle), as a user's own image folder gives.
// Jobs ask for the shapes model's classes by name and get 3-band sRGB files with provenance and a
// result.json that names the classes; presets choose among the data set a job names, and a preset
// that cannot tell which data set (two, no default) or names one the zoo lacks fails as invalid-job,
// field `dataset`, with a reason listing the data sets. The zoo's default settles it.
import Foundation
import Imaging
import ModelStore
import TestSupport
import Testing
import Vocabulary

@Suite(.serialized) struct OwnDatasetDaemonTests {
    @Test func rendersTheRGBModelByClassNameAndChoosesPresetsWithinADataSet() throws {
        let fixture = try DaemonFixture()
        try TinyModel.publishShapes(into: fixture.zoo)
        try TinyModel.publishShapes(
            into: fixture.zoo, name: "shapes/student-1", seed: 3, kind: .student,
            defaults: SamplingSettings(integrator: .euler, steps: 1, guidance: 1),
            evaluations: [EvaluationResult(steps: 1, integrator: .euler, guidanceScale: 1, networkEvaluations: 1, frechetDistance: 40)])
        let daemon = try fixture.start(["--worker-id", "w1"])
        let spool = fixture.spool
        try drop(
            #"{"schema": 1, "model": "shapes/teacher", "count": 3, "labels": ["triangle", "Square", 0], "steps": 1, "seed": 4, "format": "jpeg", "scale": 2, "grid": true}"#,
            id: "shapes", spool: spool)
        try drop(
            #"{"schema": 1, "quality": "fastest", "dataset": "shapes", "count": 2, "labels": ["square"], "format": "webp"}"#,
            id: "shapes-fastest", spool: spool)
        try drop(#"{"schema": 1, "quality": "fastest", "count": 1}"#, id: "which-dataset", spool: spool)
        try drop(#"{"schema": 1, "maxSteps": 4, "dataset": "flowers", "count": 1}"#, id: "no-such-dataset", spool: spool)
        try drop(#"{"schema": 1, "model": "shapes/teacher", "labels": ["sneaker"]}"#, id: "fashion-label", spool: spool)
        let ends = [
            "done/shapes.json", "done/shapes-fastest.json", "failed/which-dataset.json", "failed/no-such-dataset.json",
            "failed/fashion-label.json",
        ]
        #expect(
            waitUntil(timeout: 60) { ends.allSatisfy { FileManager.default.fileExists(atPath: spool + "/" + $0) } },
            "done: \(names(in: spool + "/done")), failed: \(fixture.failedJobs())")

        // Named classes of the RGB model: RGB files with provenance, an RGB grid, result.json with the names.
        let out = spool + "/out/shapes"
        #expect(
            names(in: out).filter { !$0.hasPrefix(".") } == [
                "0000-triangle.jpg", "0001-square.jpg", "0002-circle.jpg", "grid.png", "result.json",
            ])
        for (file, label) in [("0000-triangle.jpg", "triangle"), ("0001-square.jpg", "square"), ("0002-circle.jpg", "circle")] {
            let info = try ImageReader.info(path: out + "/" + file)
            #expect(info.width == 32 && info.height == 32 && info.bands == 3 && info.interpretation == "srgb", "\(file): \(info)")
            #expect(info.metadata["label"] == label && info.metadata["model"] == "shapes/teacher" && info.metadata["seed"] == "4")
            #expect(info.exifDescription?.contains("label=\(label)") == true)
        }
        let grid = try ImageReader.info(path: out + "/grid.png")
        #expect(grid.bands == 3 && grid.interpretation == "srgb" && grid.metadata["labels"] == "triangle,square,circle")
        let render = try #require(fixture.json(out + "/result.json")["render"] as? [String: Any])
        #expect(render["classNames"] as? [String] == TinyModel.shapeClasses)
        #expect(render["channels"] as? Int == 3 && render["width"] as? Int == 32 && render["height"] as? Int == 32)
        let images = render["images"] as? [[String: Any]] ?? []
        #expect(images.map { $0["className"] as? String } == ["triangle", "square", "circle"])
        #expect(images.map { $0["label"] as? Int } == [2, 1, 0])

        // A preset within the named data set picks its fastest model, never the grey Fashion-MNIST one.
        let selection = try #require(fixture.json(spool + "/out/shapes-fastest/result.json")["selection"] as? [String: Any])
        #expect(selection["model"] as? String == "shapes/student-1@1" && selection["dataset"] as? String == "shapes", "\(selection)")
        #expect(selection["datasetReason"] as? String == "named by the job")
        let webp = try ImageReader.info(path: spool + "/out/shapes-fastest/0000-square.webp")
        #expect(webp.bands == 3 && webp.interpretation == "srgb" && webp.metadata["label"] == "square")

        // Two data sets and no default; a data set the zoo lacks; another data set's class name.
        let ambiguous = fixture.json(spool + "/failed/which-dataset.error.json")
        let reason = ambiguous["reason"] as? String ?? ""
        #expect(ambiguous["code"] as? String == "invalid-job" && ambiguous["field"] as? String == "dataset", "\(ambiguous)")
        #expect(
            reason.contains("fashion-mnist (fashion-mnist/teacher)") && reason.contains("shapes (shapes/student-1, shapes/teacher)")
                && reason.contains("kac zoo default-dataset NAME"), "\(reason)")
        let unknown = fixture.json(spool + "/failed/no-such-dataset.error.json")
        #expect(unknown["field"] as? String == "dataset" && (unknown["reason"] as? String)?.contains("\"flowers\"") == true, "\(unknown)")
        let label = fixture.json(spool + "/failed/fashion-label.error.json")
        #expect(label["field"] as? String == "labels", "\(label)")
        #expect((label["reason"] as? String)?.contains("its classes are 0 circle, 1 square, 2 triangle") == true, "\(label)")

        // The zoo's default data set settles a preset that names none.
        try ModelStore(root: fixture.zoo, create: false).setDefaultDataset(try DatasetName(parsing: "shapes"))
        try drop(#"{"schema": 1, "quality": "best", "count": 1, "steps": 1}"#, id: "zoo-default", spool: spool)
        #expect(
            waitUntil(timeout: 30) { FileManager.default.fileExists(atPath: spool + "/done/zoo-default.json") }, "\(fixture.failedJobs())")
        let chosen = try #require(fixture.json(spool + "/out/zoo-default/result.json")["selection"] as? [String: Any])
        #expect(chosen["dataset"] as? String == "shapes" && (chosen["datasetReason"] as? String)?.contains("default") == true, "\(chosen)")
        #expect((chosen["model"] as? String)?.hasPrefix("shapes/") == true)

        daemon.signal(SIGTERM)
        let finished = daemon.wait()
        #expect(finished.status == 0, "\(finished.error)")
    }
}
