// The one grammar for naming models, used by the zoo, job files and every command line. Names
// become paths under `models/`, so they are validated strictly: one or two segments matching
// [a-z0-9][a-z0-9._-]{0,63}, no "..", no suffix that collides with the files kept beside versions
// (`.json`, `.removed`, `.lock`, `.tmp`). A reference picks one version:
//   NAME            = NAME:latest
//   NAME:TAG        a movable tag
//   NAME@VERSION    a version number ≥ 1
//   sha256-HEX      a blob digest prefix of 8…64 hex digits (also sha256:HEX; stored lower-case)
// Invariant: `ModelReference(parsing: r.description) == r` for every parsed reference.

/// Why a name, tag or reference was refused; the message says what the rules are.
public struct ReferenceError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable { case name, tag, reference }

    public let kind: Kind
    /// The text as the user typed it.
    public let text: String
    public let reason: String

    public init(_ kind: Kind, _ text: String, reason: String) {
        self.kind = kind
        self.text = text
        self.reason = reason
    }

    public var description: String {
        switch kind {
        case .name:
            return "invalid model name \"\(text)\": \(reason). Names are one or two segments "
                + "[a-z0-9][a-z0-9._-]* joined by '/', e.g. fashion-mnist/teacher."
        case .tag:
            return "invalid tag \"\(text)\": \(reason). A tag is one segment [a-z0-9][a-z0-9._-]*, e.g. stable."
        case .reference:
            return "invalid model reference \"\(text)\": \(reason). "
                + "Use NAME, NAME:TAG, NAME@VERSION or sha256-<8 to 64 hex digits>."
        }
    }
}

/// A model name such as `fashion-mnist/teacher` (namespace `fashion-mnist`, model `teacher`).
public struct ModelName: Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public let description: String

    public init(_ text: String) throws(ReferenceError) {
        let segments = text.split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(segments.count) else {
            throw ReferenceError(.name, text, reason: "a name has at most one '/' namespace separator")
        }
        for segment in segments {
            if let reason = Self.problem(with: segment) { throw ReferenceError(.name, text, reason: reason) }
        }
        description = text
    }

    public var segments: [Substring] { description.split(separator: "/") }

    public static func < (lhs: ModelName, rhs: ModelName) -> Bool { lhs.description < rhs.description }

    public init(from decoder: Decoder) throws { try self.init(try decoder.singleValueContainer().decode(String.self)) }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    /// What is wrong with one path segment of a name or a tag; nil when it is acceptable.
    static func problem(with segment: Substring) -> String? {
        guard !segment.isEmpty else { return "empty segment (leading, trailing or doubled '/')" }
        guard segment.utf8.count <= 64 else { return "segment \"\(segment)\" is longer than 64 characters" }
        guard let first = segment.unicodeScalars.first, isLowerAlphanumeric(first) else {
            return "segment \"\(segment)\" must start with a lower-case letter or digit"
        }
        for scalar in segment.unicodeScalars where !(isLowerAlphanumeric(scalar) || scalar == "." || scalar == "_" || scalar == "-") {
            return "character \"\(scalar)\" is not allowed (use a-z, 0-9, '.', '_', '-')"
        }
        guard !segment.contains("..") else { return "\"..\" is not allowed" }
        for suffix in [".json", ".removed", ".lock", ".tmp"] where segment.hasSuffix(suffix) {
            return "a segment may not end in \(suffix) (reserved for store files)"
        }
        return nil
    }

    private static func isLowerAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar)
    }
}

/// A movable tag (`latest`, `stable`, user tags): one segment with the name rules.
public struct TagName: Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public let description: String
    public static let latest = TagName(unchecked: "latest")

    public init(_ text: String) throws(ReferenceError) {
        if let reason = ModelName.problem(with: Substring(text)) { throw ReferenceError(.tag, text, reason: reason) }
        description = text
    }

    private init(unchecked text: String) { description = text }

    public static func < (lhs: TagName, rhs: TagName) -> Bool { lhs.description < rhs.description }

    public init(from decoder: Decoder) throws { try self.init(try decoder.singleValueContainer().decode(String.self)) }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// What a user may type to name one model version.
public enum ModelReference: Hashable, Sendable, CustomStringConvertible {
    /// `NAME` (= `NAME:latest`) or `NAME:TAG`.
    case tag(ModelName, TagName)
    /// `NAME@VERSION`.
    case version(ModelName, Int)
    /// `sha256-<hex>` or `sha256:<hex>` prefix of a blob digest, lower-case.
    case digestPrefix(String)

    public static let minimumDigestPrefix = 8
    public static let digestPrefixes = ["sha256-", "sha256:"]

    public init(parsing text: String) throws(ReferenceError) {
        if let hex = Self.hexPart(of: text) {
            guard (Self.minimumDigestPrefix...64).contains(hex.count), hex.allSatisfy(\.isHexDigit) else {
                throw ReferenceError(.reference, text, reason: "a digest prefix needs \(Self.minimumDigestPrefix) to 64 hex digits")
            }
            self = .digestPrefix(hex.lowercased())
        } else if let at = text.lastIndex(of: "@") {
            let version = text[text.index(after: at)...]
            guard version.allSatisfy(\.isASCII), version.allSatisfy(\.isNumber), let number = Int(version), number >= 1 else {
                throw ReferenceError(.reference, text, reason: "the version after '@' must be a positive integer")
            }
            self = .version(try Self.name(text[..<at], in: text), number)
        } else if let colon = text.lastIndex(of: ":") {
            let tagText = String(text[text.index(after: colon)...])
            guard let tag = try? TagName(tagText) else {
                throw ReferenceError(
                    .reference, text, reason: ModelName.problem(with: Substring(tagText)).map { "tag: " + $0 } ?? "bad tag")
            }
            self = .tag(try Self.name(text[..<colon], in: text), tag)
        } else {
            self = .tag(try Self.name(Substring(text), in: text), .latest)
        }
    }

    /// The name part, with its problem reported against the whole reference.
    private static func name(_ part: Substring, in text: String) throws(ReferenceError) -> ModelName {
        do { return try ModelName(String(part)) } catch { throw ReferenceError(.reference, text, reason: error.reason) }
    }

    /// The text after `sha256-` / `sha256:`, or nil when neither prefix is present.
    public static func hexPart(of text: String) -> Substring? {
        for prefix in digestPrefixes where text.hasPrefix(prefix) { return text.dropFirst(prefix.count) }
        return nil
    }

    /// The model name, unless this is a digest prefix.
    public var name: ModelName? {
        switch self {
        case let .tag(name, _), let .version(name, _): name
        case .digestPrefix: nil
        }
    }

    /// `NAME` for `NAME:latest`, else the canonical spelling.
    public var description: String {
        switch self {
        case let .tag(name, tag): tag == .latest ? name.description : "\(name):\(tag)"
        case let .version(name, version): "\(name)@\(version)"
        case let .digestPrefix(hex): "sha256-\(hex)"
        }
    }
}
