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

    /// A rejection whose message is `reason` in words (a value's own error, say, kept until here).
    public init(_ code: Code, field: String?, _ reason: Reason) {
        self.init(code, field: field, reason.description)
    }

    public var description: String {
        if let field, !message.contains("\"\(field)\""), !message.hasPrefix(field) {
            return "\(field): \(message)"
        }
        return message
    }
}
