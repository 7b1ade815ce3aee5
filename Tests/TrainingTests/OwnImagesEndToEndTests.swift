// A user's own images end to end, with the built tools as child processes: a labelled RGB folder
// the test writes (three classes of coloured shapes) → `kac dataset split` → `kac dataset inspect
// --preview` → `kac train` (warned that 200 steps are short for its EMA) → `kac publish` → `kac
// distill` (refusing the held-out folder, then a 1-step student recorded under the teacher's data
// set) → `kac classifier train` (published as shapes/classifier without --name, per-class accuracy)
// → `kac eval` against the held-out folder (per-class accuracy) → kacd renders a job that asks for
// classes by name → RGB files whose metadata and result.json carry the class names.
import Foundation
import Imaging
import ModelStore
import TestSupport
import Testing

@Suite(.serialized) struct OwnImagesEndToEndTests {
    @Test func folderToTeacherStudentJudgeAndARenderedJob() throws {
        let directory = TemporaryDirectory()
        let (raw, zoo) = (directory.file("raw"), directory.file("zoo"))
        try ShapeFolder.write(to: raw, perClass: 30, seed: 7)
        // kac dataset split: the held-out folder; OUT/train and OUT/test are data set "shapes" (OUT's name).
        let (train, heldOut) = (directory.file("shapes/train"), directory.file("shapes/test"))
        let split = try runKac(["dataset", "split", raw, "--out", directory.file("shapes"), "--test-fraction", "0.2", "--seed", "3"])
        #expect(split.status == 0 && split.output.contains("class circle train 24 test 6"), "\(split.output) \(split.error)")
        let preview = directory.file("preview.png")
        let inspected = try runKac(["dataset", "inspect", train, "--image-size", "16", "--preview", preview, "--preview-rows", "2"])
        #expect(inspected.status == 0 && inspected.output.hasPrefix("dataset shapes\n"), "\(inspected.output) \(inspected.error)")
        #expect(try ImageReader.info(path: preview).width >= 3 * 2 * 16, "one column per class, enlarged")
        let folder = ["--data", train, "--image-size", "16", "--channels", "3"]

        let teacherRun = directory.file("teacher")
        let trained = try runKac(
            ["train"] + folder + [
                "--run", teacherRun, "--steps", "200", "--batch-size", "16", "--width", "8", "--multipliers", "1,2",
                "--sample-every", "0",
            ])
        #expect(trained.status == 0, "\(trained.error)")
        #expect(trained.error.contains("warning: with EMA decay 0.999 the averaged weights after 200 steps"), "\(trained.error)")
        let teacher = try runKac([
            "publish", teacherRun + "/checkpoint.safetensors", "--name", "shapes/teacher", "--steps", "8", "--zoo", zoo,
        ])
        #expect(teacher.status == 0, "\(teacher.error)")

        // The held-out folder is other data than the teacher's: refused unless --allow-other-data.
        let distill = ["distill", "--teacher", "shapes/teacher", "--zoo", zoo, "--run", directory.file("distill"), "--stages", "8,1"]
            + ["--steps-per-stage", "60", "--batch-size", "16", "--ema", "0.9", "--publish", "shapes", "--classifier", "none"]
        let other = try runKac(distill + ["--data", heldOut])
        #expect(other.status == 64 && other.error.contains("--allow-other-data"), "\(other.status) \(other.error)")
        // The same images under another folder name: the students still belong to data set "shapes".
        let copy = directory.file("pictures")
        try FileManager.default.copyItem(atPath: train, toPath: copy)
        let distilled = try runKac(distill + ["--data", copy])
        #expect(distilled.status == 0, "\(distilled.error)")
        let store = try ModelStore(root: zoo, create: false)
        let student = try store.resolve("shapes/student-1")
        #expect(student.details.classNames == ShapeFolder.classNames && student.details.dataset?.name == "shapes")
        #expect(student.details.parent == (try store.resolve("shapes/teacher")).blob)
        // kac zoo show words the architecture and names the parent by its models, not a bare digest.
        let shown = try runKac(["zoo", "show", "shapes/student-1", "--zoo", zoo]).output
        #expect(shown.contains("architecture  unet, 16×16×3, 3 classes; "), "\(shown)")
        #expect(shown.contains("parent        shapes/teacher@1 (sha256-"), "\(shown)")

        // Without --name the judge is published as <data set>/classifier, never as fashion-mnist's.
        let judge = try runKac(
            ["classifier", "train"] + folder + [
                "--test", heldOut, "--run", directory.file("classifier"), "--epochs", "3", "--batch-size", "16",
                "--widths", "8,16", "--hidden-width", "32", "--publish", "--zoo", zoo,
            ])
        #expect(judge.status == 0 && judge.output.contains("published shapes/classifier@1"), "\(judge.output) \(judge.error)")
        #expect(judge.output.contains("test accuracy per class: circle "), "\(judge.output)")
        let report = directory.file("eval.json")
        let evaluated = try runKac([
            "eval", "--model", "shapes/student-1", "--zoo", zoo, "--classifier", "shapes/classifier", "--reference", heldOut,
            "--samples", "30", "--cache-directory", directory.file("cache"), "--json-file", report,
        ])
        #expect(evaluated.status == 0, "\(evaluated.error)")
        #expect(evaluated.output.contains("shapes/student-1@1"), "\(evaluated.output)")
        #expect(evaluated.output.contains("class accuracy per class") && evaluated.output.contains(": circle "), "\(evaluated.output)")
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
