// What a spool admits: one job's request bounds plus the bounds only a queue needs. Workers announce
// theirs in `workers/` (a flat JSON object, the same keys since schema 1), and `kac submit` checks a
// job against the smallest of each.
import Vocabulary

/// Daemon settings that bound what a job may ask for: the request's bounds (`RenderLimits`) and
/// the spool's own (file size, nesting, priority, work, time). `kac submit` checks against the
/// limits the live workers announce (else these defaults); each daemon checks again with its own.
public struct SpoolLimits: Sendable, Equatable, Codable {
    /// The bounds of one request (count, scale, steps, guidance), which the renderer checks again;
    /// `RenderLimits.spoolJob` unless the operator says otherwise.
    public var request: RenderLimits
    /// Largest job file in bytes; bigger files are rejected unread.
    public var maximumFileSize: Int
    /// Deepest JSON nesting accepted (a job needs 2: the object and the labels array).
    public var maximumDepth: Int
    /// The highest `priority` a job file may claim (kacd `max-priority`): the operator's ceiling,
    /// so a user cannot jump every queue with `priority: 1000`.
    public var maximumPriority: Int
    /// Most work one job may ask for, in images × network evaluations per image (kacd `max-work`).
    /// The default, 262,144, is 256 images of the teacher at its own setting (100 Euler steps with
    /// guidance: 200 evaluations) five times over; 256 images × 1,000 Heun steps with guidance
    /// (1,024,000) is refused.
    public var maximumWork: Int
    /// Seconds a job may render before it is stopped and failed as `limit-exceeded` (kacd `job-time-limit`).
    public var timeLimit: Double

    public init(
        maximumCount: Int = RenderLimits.spoolJob.maximumCount, maximumScale: Int = RenderLimits.spoolJob.maximumScale,
        maximumFileSize: Int = 64 * 1024, maximumDepth: Int = 8, maximumSteps: Int = RenderLimits.spoolJob.maximumSteps,
        maximumGuidance: Double = RenderLimits.spoolJob.maximumGuidance,
        maximumPriority: Int = 100, maximumWork: Int = 262_144, timeLimit: Double = 7200
    ) {
        request = RenderLimits(
            maximumCount: maximumCount, maximumScale: maximumScale, maximumSteps: maximumSteps, maximumGuidance: maximumGuidance)
        self.maximumFileSize = maximumFileSize
        self.maximumDepth = maximumDepth
        self.maximumPriority = maximumPriority
        self.maximumWork = maximumWork
        self.timeLimit = timeLimit
    }

    public static let `default` = SpoolLimits()

    /// The request's four bounds, as kacd's settings and worker records name them.
    public var maximumCount: Int {
        get { request.maximumCount }
        set { request.maximumCount = newValue }
    }
    public var maximumScale: Int {
        get { request.maximumScale }
        set { request.maximumScale = newValue }
    }
    public var maximumSteps: Int {
        get { request.maximumSteps }
        set { request.maximumSteps = newValue }
    }
    public var maximumGuidance: Double {
        get { request.maximumGuidance }
        set { request.maximumGuidance = newValue }
    }

    /// One flat object in worker records (`workers/<id>.json`), as before `request` was a value
    /// of its own.
    private enum CodingKeys: String, CodingKey {
        case maximumCount, maximumScale, maximumFileSize, maximumDepth, maximumSteps, maximumGuidance, maximumPriority, maximumWork,
            timeLimit
    }

    /// Worker records written before the last three limits existed decode with their defaults.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = SpoolLimits()
        request = RenderLimits(
            maximumCount: try container.decode(Int.self, forKey: .maximumCount),
            maximumScale: try container.decode(Int.self, forKey: .maximumScale),
            maximumSteps: try container.decode(Int.self, forKey: .maximumSteps),
            maximumGuidance: try container.decode(Double.self, forKey: .maximumGuidance))
        maximumFileSize = try container.decode(Int.self, forKey: .maximumFileSize)
        maximumDepth = try container.decode(Int.self, forKey: .maximumDepth)
        maximumPriority = try container.decodeIfPresent(Int.self, forKey: .maximumPriority) ?? defaults.maximumPriority
        maximumWork = try container.decodeIfPresent(Int.self, forKey: .maximumWork) ?? defaults.maximumWork
        timeLimit = try container.decodeIfPresent(Double.self, forKey: .timeLimit) ?? defaults.timeLimit
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(maximumCount, forKey: .maximumCount)
        try container.encode(maximumScale, forKey: .maximumScale)
        try container.encode(maximumFileSize, forKey: .maximumFileSize)
        try container.encode(maximumDepth, forKey: .maximumDepth)
        try container.encode(maximumSteps, forKey: .maximumSteps)
        try container.encode(maximumGuidance, forKey: .maximumGuidance)
        try container.encode(maximumPriority, forKey: .maximumPriority)
        try container.encode(maximumWork, forKey: .maximumWork)
        try container.encode(timeLimit, forKey: .timeLimit)
    }

    /// The refusal of a job whose work (`images` × `evaluations` per image) is over `maximumWork`;
    /// nil when it fits. `detail` says where the evaluations come from.
    public func workRefusal(images: Int, evaluations: Int, detail: String) -> JobValidationError? {
        let (work, overflow) = images.multipliedReportingOverflow(by: evaluations)
        guard overflow || work > maximumWork else { return nil }
        return JobValidationError(
            .outOfRange, field: "count",
            "the job asks for \(overflow ? "more than \(Int.max)" : "\(work)") images × network evaluations (\(images) images × \(evaluations): \(detail)); this spool allows \(maximumWork) per job — lower count or steps, or raise kacd's max-work setting"
        )
    }
}
