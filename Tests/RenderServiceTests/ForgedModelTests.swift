// A zoo holding a version that could never render (written by something that checked nothing: a
// hand edit, an older kac): `kac render` exits 65 and names the field; kacd fails the job that
// names it with the reason and keeps serving (it used to die in a precondition, three workers in a
// row); a quality preset leaves it out however good its copied evaluation rows; a blob of the
// wrong size exits 65, not 66. Also: two imports of one archive at once add one version.
import Foundation
import Generation
import ModelStore
import TestSupport
import Testing
import Vocabulary

@Suite(.serialized) struct ForgedModelTests {
    /// The tiny teacher, plus `fashion-mnist/student-1` forged from it with `speed` 0 and an
    /// evaluation row that makes it the fastest choice.
    static func forgedZoo(_ root: TemporaryDirectory) throws -> String {
        let zoo = root.file("zoo")
        let teacher = try TinyModel.publish(
            into: zoo, evaluations: [EvaluationResult(steps: 2, networkEvaluations: 2, frechetDistance: 40)])
        let unchecked = try ModelStore(root: zoo, create: false)
        var details = teacher.details
        details.kind = .student
        details.kac?.speed = 0
        details.evaluations = [EvaluationResult(steps: 1, networkEvaluations: 1, frechetDistance: 30)]
        try unchecked.publish(try unchecked.load(teacher).checkpoint, as: try ModelName("fashion-mnist/student-1"), details: details)
        return zoo
    }

    @Test func renderExitsSixtyFiveNamingTheField() throws {
        let root = TemporaryDirectory(prefix: "kac-forged")
        let zoo = try Self.forgedZoo(root)
        let result = try Child.run(
            Binaries.kac, ["render", "--zoo", zoo, "--model", "fashion-mnist/student-1", "--count", "1", "--out", root.file("out")],
            logDirectory: root.path)
        #expect(result.status == 65, "\(result.status) \(result.error)")
        #expect(result.error.contains("fashion-mnist/student-1@1 is not a usable model: kac speed is 0.0"), "\(result.error)")
        let verify = try Child.run(Binaries.kac, ["zoo", "verify", "--zoo", zoo], logDirectory: root.path)
        #expect(verify.status == 65 && verify.output.contains("kac speed is 0.0"), "\(verify.status) \(verify.output) \(verify.error)")

        // A blob of the wrong size is damaged data (65), not a missing model (66).
        let store = try ModelStore(root: zoo, create: false)
        let teacher = try store.resolve("fashion-mnist/teacher")
        let blob = store.blobPath(teacher.blob)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: blob))
        try bytes.dropLast(7).write(to: URL(fileURLWithPath: blob))
        let short = try Child.run(
            Binaries.kac, ["render", "--zoo", zoo, "--model", "fashion-mnist/teacher", "--count", "1", "--out", root.file("out2")],
            logDirectory: root.path)
        #expect(short.status == 65 && short.error.contains("(truncated or overwritten)"), "\(short.status) \(short.error)")
    }

    @Test func kacdFailsTheJobKeepsServingAndPresetsSkipTheForgery() throws {
        let root = TemporaryDirectory(prefix: "kacd-forged")
        let zoo = try Self.forgedZoo(root)
        let spool = root.file("spool")
        try makeSpool(spool)
        try drop(#"{"schema": 1, "model": "fashion-mnist/student-1", "count": 1}"#, id: "forged", spool: spool)
        try drop(#"{"schema": 1, "quality": "fastest", "count": 1, "steps": 1}"#, id: "fastest", spool: spool)
        let daemon = try Child(
            Binaries.kacd, ["--spool", spool, "--zoo", zoo, "--once", "--settle-period", "0.1"], logDirectory: root.path)
        let finished = daemon.wait()
        #expect(finished.status == 0, "kacd ended with \(finished.status): \(finished.error)")
        let failure = (try? JSONSerialization.jsonObject(with: Data(bytes(spool + "/failed/forged.error.json")))) as? [String: Any]
        #expect(failure?["code"] as? String == "render-error", "\(String(describing: failure))")
        #expect(
            (failure?["reason"] as? String)?.contains("is not a usable model: kac speed is 0.0") == true, "\(String(describing: failure))")
        #expect((failure?["attempts"] as? Int) == 1)
        #expect(FileManager.default.fileExists(atPath: spool + "/done/fastest.json"), "\(finished.error)")
        let result = (try? JSONSerialization.jsonObject(with: Data(bytes(spool + "/out/fastest/result.json")))) as? [String: Any]
        #expect(result?["model"] as? String == "fashion-mnist/teacher@1", "the preset chose \(String(describing: result?["model"]))")
        let skipped = (result?["selection"] as? [String: Any])?["skipped"] as? [String] ?? []
        #expect(skipped.contains { $0.contains("fashion-mnist/student-1@1") && $0.contains("kac speed is 0.0") }, "\(skipped)")
    }

    @Test func simultaneousImportsOfOneArchiveAddOneVersion() throws {
        var archives = try HostileArchives()
        let archive = try archives.archive()
        for round in 0..<20 {
            let zoo = TemporaryDirectory(prefix: "kac-import-race")
            let store = try HostileArchives.validatingStore(at: zoo.path)
            DispatchQueue.concurrentPerform(iterations: 2) { _ in _ = try? store.importArchive(from: archive) }
            #expect(inventory(store) == ["fashion-mnist/teacher@1"], "round \(round)")
        }
    }
}
