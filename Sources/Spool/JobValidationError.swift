// Why a job file was rejected: a machine-readable code, the field (a JSON path such as
// `labels[2]`) and a sentence that says what is allowed. The message is what the operator sees in
// `failed/<job>.error.json` and in `kac submit`, so it must name the fix, not just the fault.

import Vocabulary

/// A job file that is not a valid render job.
public struct JobValidationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of problem, stable across releases (it is written to `*.error.json`).
    public enum Code: String, Sendable, Codable, CaseIterable {
        case tooLarge = "too-large"
        case notUTF8 = "not-utf8"
        case malformedJSON = "malformed-json"
        case tooDeep = "too-deep"
        case duplicateKey = "duplicate-key"
        case notAnObject = "not-an-object"
        case unsupportedSchema = "unsupported-schema"
        case missingField = "missing-field"
        case unknownField = "unknown-field"
        case wrongType = "wrong-type"
        case outOfRange = "out-of-range"
        case invalidValue = "invalid-value"
        case conflictingFields = "conflicting-fields"
    }

    public let code: Code
    /// The offending field as a JSON path (`count`, `labels[3]`), or nil for whole-file problems.
    public let field: String?
    public let message: String

    /// `field` and `message` often quote the job file (an unknown key, a bad model string): both are
    /// escaped here (`Escaped`), so no control character or escape sequence of a job file reaches
    /// `*.error.json`, a log line or a terminal.
    public init(_ code: Code, field: String?, _ message: String) {
        self.code = code
        self.field = field.map { Escaped.text($0, limit: 200) }
        self.message = Escaped.text(message, limit: 2000)
    }

    public var description: String {
        if let field, !message.contains("\"\(field)\""), !message.hasPrefix(field) {
            return "\(field): \(message)"
        }
        return message
    }
}

/// Daemon settings that bound what a job may ask for. `kac submit` checks against the defaults;
/// the daemon checks again with its own configuration.
public struct SpoolLimits: Sendable, Equatable, Codable {
    /// Most images one job may request.
    public var maximumCount: Int
    /// Largest integer upscale factor.
    public var maximumScale: Int
    /// Largest job file in bytes; bigger files are rejected unread.
    public var maximumFileSize: Int
    /// Deepest JSON nesting accepted (a job needs 2: the object and the labels array).
    public var maximumDepth: Int
    /// Largest sampler step count (`steps`) and step budget (`maxSteps`).
    public var maximumSteps: Int
    /// Largest classifier-free guidance scale.
    public var maximumGuidance: Double
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
        maximumCount: Int = 256, maximumScale: Int = 8, maximumFileSize: Int = 64 * 1024,
        maximumDepth: Int = 8, maximumSteps: Int = 1000, maximumGuidance: Double = 10,
        maximumPriority: Int = 100, maximumWork: Int = 262_144, timeLimit: Double = 7200
    ) {
        self.maximumCount = maximumCount
        self.maximumScale = maximumScale
        self.maximumFileSize = maximumFileSize
        self.maximumDepth = maximumDepth
        self.maximumSteps = maximumSteps
        self.maximumGuidance = maximumGuidance
        self.maximumPriority = maximumPriority
        self.maximumWork = maximumWork
        self.timeLimit = timeLimit
    }

    public static let `default` = SpoolLimits()

    /// Worker records written before the last three limits existed decode with their defaults.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = SpoolLimits()
        maximumCount = try container.decode(Int.self, forKey: .maximumCount)
        maximumScale = try container.decode(Int.self, forKey: .maximumScale)
        maximumFileSize = try container.decode(Int.self, forKey: .maximumFileSize)
        maximumDepth = try container.decode(Int.self, forKey: .maximumDepth)
        maximumSteps = try container.decode(Int.self, forKey: .maximumSteps)
        maximumGuidance = try container.decode(Double.self, forKey: .maximumGuidance)
        maximumPriority = try container.decodeIfPresent(Int.self, forKey: .maximumPriority) ?? defaults.maximumPriority
        maximumWork = try container.decodeIfPresent(Int.self, forKey: .maximumWork) ?? defaults.maximumWork
        timeLimit = try container.decodeIfPresent(Double.self, forKey: .timeLimit) ?? defaults.timeLimit
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
