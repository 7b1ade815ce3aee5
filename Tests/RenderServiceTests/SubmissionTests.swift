// What `kac submit` checks before it queues a job (RenderService's Submission), called without a
// process: a missing spool is refused unless created, a model the zoo lacks is refused with the exit
// status kac gives it (66), labels the model lacks too (64), and a zoo that cannot be opened only
// earns a warning — the job goes through.
import Foundation
import ModelStore
import RenderService
import Spool
import TestSupport
import Testing
import Vocabulary

@Suite struct SubmissionTests {
    func job(_ fields: String) throws -> RenderJob {
        try JobValidator().validate(Array("{\"schema\": 1, \"count\": 2, \(fields)}".utf8))
    }

    @Test func aModelTheZooLacksIsRefusedAndAnUnreadableZooWarns() throws {
        let zoo = TemporaryDirectory(prefix: "submission-zoo")
        try TinyModel.publish(into: zoo.path, name: "fashion-mnist/student-1")
        let open = { try ModelStore(root: zoo.path, create: false) }
        #expect(try Submission.checkModel(of: job("\"model\": \"fashion-mnist/student-1\""), zooPath: zoo.path, openStore: open) == nil)
        #expect(try Submission.checkModel(of: job("\"quality\": \"fastest\""), zooPath: zoo.path, openStore: open) == nil)

        #expect {
            try Submission.checkModel(of: job("\"model\": \"fashion-mnist/studnt-1\""), zooPath: zoo.path, openStore: open)
        } throws: { error in
            guard let refusal = error as? SubmissionRefusal else { return false }
            return refusal.exitStatus == .noInput && refusal.description.contains("did you mean fashion-mnist/student-1?")
                && refusal.description.contains("nothing was queued")
        }
        #expect {
            try Submission.checkModel(
                of: job("\"model\": \"fashion-mnist/student-1\", \"labels\": [\"sneaker\", \"unicorn\"]"), zooPath: zoo.path,
                openStore: open)
        } throws: { error in
            guard let refusal = error as? SubmissionRefusal else { return false }
            return refusal.exitStatus == .usage && refusal.description.hasPrefix("labels: ") && refusal.description.contains("unicorn")
        }

        let missing = zoo.path + "/none"
        let warning = try Submission.checkModel(
            of: job("\"model\": \"any/model\""), zooPath: missing, openStore: { try ModelStore(root: missing, create: false) })
        #expect(warning?.hasPrefix("kac submit: warning: model any/model was not checked: cannot open the zoo at \(missing) (") == true)
        #expect(warning?.hasSuffix("); queued anyway") == true, "\(warning ?? "nil")")
    }

    @Test func aMissingSpoolIsRefusedUnlessCreated() throws {
        let directory = TemporaryDirectory(prefix: "submission-spool")
        let place = ConfiguredDefaults.Resolved(path: directory.path + "/spoool", source: .flag("--spool"))
        #expect {
            try Submission.openSpool(place, create: false)
        } throws: { ($0 as? SubmissionRefusal)?.exitStatus == .noInput && "\($0)".contains("pass --create") }
        #expect(!FileManager.default.fileExists(atPath: place.path))
        #expect(try Submission.openSpool(place, create: true).root.hasSuffix("/spoool"))
    }

    /// A job FILE that is missing is refused (66) before anything else; one that fails validation
    /// is bad data (the validator's own error, 65); the same mistake made with options is a usage
    /// error (64), since option names are the job keys.
    @Test func aDraftSaysWhoseMistakeAnInvalidJobIs() throws {
        let directory = TemporaryDirectory(prefix: "submission-draft")
        let missing = directory.path + "/job.json"
        #expect {
            try Submission.Draft(file: missing)
        } throws: {
            ($0 as? SubmissionRefusal)?.exitStatus == .noInput && "\($0)" == "job file \(missing) does not exist; check the path"
        }
        try Data("{\"schema\": 1, \"count\": 0, \"quality\": \"fastest\"}".utf8).write(to: URL(fileURLWithPath: missing))
        #expect(throws: JobValidationError.self) { try Submission.Draft(file: missing).validate(JobValidator()) }
        #expect {
            try Submission.Draft(options: ["count": 0, "quality": "fastest"]).validate(JobValidator())
        } throws: { ($0 as? SubmissionRefusal)?.exitStatus == .usage && "\($0)".contains("count") }
        let job = try Submission.Draft(options: ["count": 3, "quality": "fastest"]).validate(JobValidator())
        #expect(job.count == 3 && job.model == .goal(.quality(.fastest)))
    }
}
