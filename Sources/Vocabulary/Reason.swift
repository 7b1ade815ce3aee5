// Why something failed, as modules' errors carry it: a sentence, or an underlying error kept as a
// value (swift-nio's `FileSystemError.cause`), or a sentence about that error. A caller switches on
// the cause (`reason.cause as? DiskIOError`) instead of matching text, and the cause becomes words
// only when the error holding it is printed — in `description` below, the one place that turns an
// underlying error into text (Foundation's errors by their localized reason, the rest by their own
// description, which in this project is a sentence for the operator).
import Foundation

public struct Reason: Sendable, Equatable, CustomStringConvertible, ExpressibleByStringInterpolation {
    /// How a sentence and its cause are joined.
    public enum Joint: Sendable, Equatable {
        /// `sentence: cause`
        case colon
        /// `sentence (cause)`
        case parentheses
    }

    /// What the failing code says itself (`cannot list it`); empty when the cause says it all.
    public let sentence: String
    /// The error behind it, typed; nil when the sentence is the whole reason.
    public let cause: (any Error)?
    public let joint: Joint
    /// Said after the cause (`; remove the folder and try again`).
    public let then: String

    /// A reason that is only a sentence.
    public init(_ sentence: String) {
        self.sentence = sentence
        cause = nil
        joint = .colon
        then = ""
    }

    /// `cause`, after `sentence` when there is one (`cannot list it: <cause>`), then `then`.
    public init(_ sentence: String = "", cause: any Error, joint: Joint = .colon, then: String = "") {
        self.sentence = sentence
        self.cause = cause
        self.joint = joint
        self.then = then
    }

    /// A failed system call's errno (read it before anything else can change it), as POSIXError.
    public init(_ sentence: String = "", errno code: Int32, joint: Joint = .colon) {
        self.init(sentence, cause: POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO), joint: joint)
    }

    public init(stringLiteral value: String) { self.init(value) }
    public init(stringInterpolation: DefaultStringInterpolation) { self.init(String(stringInterpolation: stringInterpolation)) }

    /// This reason with `more` said after it (`; a newer new/<id>.json … was set aside`).
    public func appending(_ more: String) -> Reason {
        guard let cause else { return Reason(sentence + more) }
        return Reason(sentence, cause: cause, joint: joint, then: then + more)
    }

    public var description: String {
        guard let cause else { return sentence }
        let text = Self.words(for: cause)
        if sentence.isEmpty { return text + then }
        return (joint == .colon ? "\(sentence): \(text)" : "\(sentence) (\(text))") + then
    }

    /// Two reasons are equal when they read the same (errors in general are not Equatable).
    public static func == (left: Reason, right: Reason) -> Bool { left.description == right.description }

    /// The C library's text for an errno, Foundation's errors' localized reason, everything else's own description.
    private static func words(for error: any Error) -> String {
        if let error = error as? POSIXError { return String(cString: strerror(error.code.rawValue)) }
        if type(of: error) is NSError.Type || error is CocoaError {
            let bridged = error as NSError
            return bridged.localizedFailureReason ?? bridged.localizedDescription
        }
        return String(describing: error)
    }
}

extension Reason: Codable {
    /// A reason travels (in JSON reports) as its words; read back, it is a sentence without a typed cause.
    public init(from decoder: any Decoder) throws { self.init(try decoder.singleValueContainer().decode(String.self)) }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension Reason {
    /// True when the cause is Foundation or POSIX refusing this user (EACCES, EPERM, Foundation's
    /// "no permission" codes), so a caller can exit 77 without reading the text. DiskIO's errors
    /// say it in their `code`, which their holders check first.
    public var isPermissionDenied: Bool {
        switch cause {
        case let error as CocoaError: return [.fileReadNoPermission, .fileWriteNoPermission].contains(error.code)
        case let error as POSIXError: return error.code == .EACCES || error.code == .EPERM
        case let error?:
            guard type(of: error) is NSError.Type else { return false }
            let bridged = error as NSError
            if bridged.domain == NSCocoaErrorDomain {
                return [CocoaError.fileReadNoPermission.rawValue, CocoaError.fileWriteNoPermission.rawValue].contains(bridged.code)
            }
            return bridged.domain == NSPOSIXErrorDomain && [Int(EACCES), Int(EPERM)].contains(bridged.code)
        case nil: return false
        }
    }
}
