// The operator's limits on what a job may claim: a priority ceiling and a work limit (images ×
// network evaluations). The shipped defaults refuse the monster job (256 images × 1,000 Heun
// steps with priority 1000), each refusal naming the kacd setting that raises the limit; raised
// limits accept it. Worker records written before the limits existed still decode.
import Foundation
import Spool
import Testing
import Vocabulary

@Suite struct JobLimitTests {
    static let monster = #"{"schema": 1, "model": "fashion-mnist/teacher", "count": 256, "sampler": "heun", "steps": 1000, "priority": 1000}"#

    @Test func theShippedDefaultsRefuseTheMonsterJob() throws {
        let validator = JobValidator(limits: .default)
        let error = #expect(throws: JobValidationError.self) { try validator.validate(Array(Self.monster.utf8)) }
        #expect(error?.field == "priority" && error?.description.contains("kacd's max-priority setting") == true, "\(String(describing: error))")
        let humble = Self.monster.replacingOccurrences(of: #""priority": 1000"#, with: #""priority": 5"#)
        let work = #expect(throws: JobValidationError.self) { try validator.validate(Array(humble.utf8)) }
        #expect(work?.code == .outOfRange && work?.field == "count", "\(String(describing: work))")
        #expect(work?.description.contains("512000 images × network evaluations (256 images × 2000: 1000 heun steps, before guidance)") == true, "\(String(describing: work))")
        #expect(work?.description.contains("raise kacd's max-work setting") == true)
    }

    @Test func raisedLimitsAcceptIt() throws {
        let limits = SpoolLimits(maximumPriority: 1000, maximumWork: 2_000_000)
        let job = try JobValidator(limits: limits).validate(Array(Self.monster.utf8))
        #expect(job.priority == 1000 && job.count == 256)
    }

    @Test func aJobWithoutStepsIsLeftToTheDaemon() throws {
        // Its steps come from the model, known only to kacd (which checks again after the plan).
        let job = try JobValidator(limits: SpoolLimits(maximumWork: 10)).validate(Array(#"{"schema": 1, "quality": "best", "count": 256}"#.utf8))
        #expect(job.count == 256)
    }

    @Test func workOverflowIsRefusedNotWrapped() {
        let refusal = SpoolLimits().workRefusal(images: Int.max / 2, evaluations: 4, detail: "x")
        #expect(refusal?.description.contains("more than") == true)
    }

    @Test func recordsWithoutTheNewLimitsDecodeWithDefaults() throws {
        let old = #"{"maximumCount": 64, "maximumScale": 8, "maximumFileSize": 65536, "maximumDepth": 8, "maximumSteps": 1000, "maximumGuidance": 10}"#
        let limits = try JSONDecoder().decode(SpoolLimits.self, from: Data(old.utf8))
        #expect(limits.maximumCount == 64 && limits.maximumPriority == 100 && limits.maximumWork == 262_144 && limits.timeLimit == 7200)
    }

    /// A spool's request bounds are the `spoolJob` preset (256 images), not `kac render`'s `direct`
    /// (10,000), and a worker record keeps the one flat object it always had (keys as before).
    @Test func spoolLimitsHoldTheSpoolJobPresetAndEncodeFlat() throws {
        #expect(SpoolLimits().request == .spoolJob && RenderLimits.spoolJob.maximumCount == 256)
        #expect(RenderLimits.direct == RenderLimits(maximumCount: 10_000, maximumScale: 8, maximumSteps: 1000, maximumGuidance: 10))
        var limits = SpoolLimits(maximumCount: 64, maximumSteps: 50)
        limits.maximumGuidance = 3
        #expect(limits.request == RenderLimits(maximumCount: 64, maximumSteps: 50, maximumGuidance: 3))
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let text = String(decoding: try encoder.encode(limits), as: UTF8.self)
        #expect(
            text == #"{"maximumCount":64,"maximumDepth":8,"maximumFileSize":65536,"maximumGuidance":3,"maximumPriority":100,"#
                + #""maximumScale":8,"maximumSteps":50,"maximumWork":262144,"timeLimit":7200}"#, "\(text)")
        #expect(try JSONDecoder().decode(SpoolLimits.self, from: Data(text.utf8)) == limits)
    }
}
