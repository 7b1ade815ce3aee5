// Issue 14 as a user runs it, with the built tools as child processes: a labelled RGB folder the
// test writes (three classes of coloured shapes) → `kac train` → `kac publish` → `kac distill` (a
// 1-step student, published) → `kac classifier train` (published) → `kac eval` against a held-out
// folder → kacd renders a job that asks for classes by name → RGB files whose metadata and
// result.json carry the class names.
import Foundation
import Imaging
import ModelStore
import TestSupport
import Testing

@Suite(.serialized) struct OwnImagesEndToEndTests {
    @Test func folderToTeacherStudentJudgeAndARenderedJob() throws {
        let directory = TemporaryDirectory()
        let (train, heldOut, zoo) = (directory.file("shapes"), directory.file("shapes-test"), directory.file("zoo"))
        try ShapeFolder.write(to: train, perClass: 24, seed: 7)
        try ShapeFolder.write(to: heldOut, perClass: 6, seed: 99)
        let folder = ["--data", train, "--image-size", "16", "--channels", "3"]

        let teacherRun = directory.file("teacher")
        let trained = try runKac(
            ["train"] + folder + [
                "--run", teacherRun, "--steps", "200", "--batch-size", "16", "--width", "8", "--multipliers", "1,2",
                "--sample-every", "0", "--dataset-name", "shapes",
            ])
        #expect(trained.status == 0, "\(trained.error)")
        let teacher = try runKac([
            "publish", teacherRun + "/checkpoint.safetensors", "--name", "shapes/teacher", "--steps", "8", "--zoo", zoo,
        ])
        #expect(teacher.status == 0, "\(teacher.error)")

        let distilled = try runKac(
            ["distill", "--teacher", "shapes/teacher", "--zoo", zoo, "--run", directory.file("distill"), "--stages", "8,1"]
                + ["--steps-per-stage", "60", "--batch-size", "16", "--ema", "0.9", "--publish", "shapes", "--classifier", "none"]
                + ["--data", train])
        #expect(distilled.status == 0, "\(distilled.error)")
        let store = try ModelStore(root: zoo, create: false)
        let student = try store.resolve("shapes/student-1")
        #expect(student.details.classNames == ShapeFolder.classNames && student.details.dataset?.name == "shapes")
        #expect(student.details.parent == (try store.resolve("shapes/teacher")).blob)

        let judge = try runKac(
            ["classifier", "train"] + folder + [
                "--test", heldOut, "--run", directory.file("classifier"), "--epochs", "3", "--batch-size", "16",
                "--widths", "8,16", "--hidden-width", "32", "--publish", "--zoo", zoo, "--name", "shapes/classifier",
            ])
        #expect(judge.status == 0, "\(judge.error)")
        let report = directory.file("eval.json")
        let evaluated = try runKac([
            "eval", "--model", "shapes/student-1", "--zoo", zoo, "--classifier", "shapes/classifier", "--reference", heldOut,
            "--samples", "30", "--cache-directory", directory.file("cache"), "--json-file", report,
        ])
        #expect(evaluated.status == 0, "\(evaluated.error)")
        #expect(evaluated.output.contains("shapes/student-1@1"), "\(evaluated.output)")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report))) as? [String: Any]
        let row = (json?["rows"] as? [[String: Any]])?.first
        #expect((row?["frechetDistance"] as? Double).map { $0.isFinite && $0 >= 0 } == true, "\(String(describing: row))")
        #expect((row?["classAccuracy"] as? Double).map { (0...1).contains($0) } == true)

        // kacd renders a job that names classes (a first --once run creates the spool).
        let spool = directory.file("spool")
        let kacd = (CommandLine.arguments[0] as NSString).deletingLastPathComponent + "/kacd"
        let daemonPath = FileManager.default.isExecutableFile(atPath: kacd) ? kacd : ChildProcess.builtProduct("kacd")
        #expect(try ChildProcess.run(daemonPath, ["--spool", spool, "--zoo", zoo, "--once"]).status == 0)
        let submitted = try runKac([
            "submit", "--spool", spool, "--zoo", zoo, "--model", "shapes/student-1", "--count", "4", "--labels", "triangle,circle", "--grid",
            "--id", "shapes-job",
        ])
        #expect(submitted.status == 0, "\(submitted.error)")
        let daemon = try ChildProcess.run(daemonPath, ["--spool", spool, "--zoo", zoo, "--once"])
        #expect(daemon.status == 0, "\(daemon.error)")
        let out = spool + "/out/shapes-job"
        let files = try FileManager.default.contentsOfDirectory(atPath: out).filter { !$0.hasPrefix(".") }.sorted()
        #expect(files == ["0000-triangle.png", "0001-circle.png", "0002-triangle.png", "0003-circle.png", "grid.png", "result.json"])
        for (index, file) in files.prefix(4).enumerated() {
            let info = try ImageReader.info(path: out + "/" + file)
            #expect(info.width == 16 && info.height == 16 && info.bands == 3 && info.interpretation == "srgb", "\(file): \(info)")
            #expect(info.metadata["label"] == (index % 2 == 0 ? "triangle" : "circle") && info.metadata["model"] == "shapes/student-1")
        }
        #expect(try ImageReader.info(path: out + "/grid.png").bands == 3)
        let result = try String(contentsOfFile: out + "/result.json", encoding: .utf8)
        #expect(result.contains("\"classNames\" : [") && result.contains("\"className\" : \"triangle\""), "\(result)")
    }
}
