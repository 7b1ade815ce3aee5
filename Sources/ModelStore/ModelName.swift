// Names, tags and references, validated strictly because names become paths under `models/`:
// one or two segments matching [a-z0-9][a-z0-9._-]*, no "..", no suffix that collides with the
// files kept beside versions (`.json`, `.removed`, `.lock`). A reference picks one version.

/// A model name such as `fashion-mnist/teacher` (namespace `fashion-mnist`, model `teacher`).
public struct ModelName: Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public let description: String

    public init(_ text: String) throws {
        let segments = text.split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(segments.count) else {
            throw ModelStoreError.invalidName(text, reason: "a name has at most one '/' namespace separator")
        }
        for segment in segments { try Self.checkSegment(segment, in: text) }
        description = text
    }

    public var segments: [Substring] { description.split(separator: "/") }

    public static func < (lhs: ModelName, rhs: ModelName) -> Bool { lhs.description < rhs.description }

    public init(from decoder: Decoder) throws { try self.init(try decoder.singleValueContainer().decode(String.self)) }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    /// Checks one path segment of a name (also used for tags).
    static func checkSegment(_ segment: Substring, in text: String) throws {
        func fail(_ reason: String) -> ModelStoreError { .invalidName(text, reason: reason) }
        guard !segment.isEmpty else { throw fail("empty segment (leading, trailing or doubled '/')") }
        guard segment.count <= 64 else { throw fail("segment \"\(segment)\" is longer than 64 characters") }
        guard let first = segment.unicodeScalars.first, isLowerAlphanumeric(first) else {
            throw fail("segment \"\(segment)\" must start with a lower-case letter or digit")
        }
        for scalar in segment.unicodeScalars where !(isLowerAlphanumeric(scalar) || scalar == "." || scalar == "_" || scalar == "-") {
            throw fail("character \"\(scalar)\" is not allowed (use a-z, 0-9, '.', '_', '-')")
        }
        guard !segment.contains("..") else { throw fail("\"..\" is not allowed") }
        for suffix in [".json", ".removed", ".lock", ".tmp"] where segment.hasSuffix(suffix) {
            throw fail("a segment may not end in \(suffix) (reserved for store files)")
        }
    }

    private static func isLowerAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar)
    }
}

/// A movable tag (`latest`, `stable`, user tags): one segment with the name rules.
public struct TagName: Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public let description: String
    public static let latest = TagName(unchecked: "latest")

    public init(_ text: String) throws {
        try ModelName.checkSegment(Substring(text), in: text)
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
public enum ModelReference: Equatable, Sendable, CustomStringConvertible {
    /// `NAME` (= `NAME:latest`) or `NAME:TAG`.
    case tag(ModelName, TagName)
    /// `NAME@VERSION`.
    case version(ModelName, Int)
    /// `sha256-<hex>` or `sha256:<hex>` prefix of a blob digest, at least 8 hex digits.
    case digestPrefix(String)

    public static let minimumDigestPrefix = 8

    public init(parsing text: String) throws {
        if let hex = Digest.hexPart(of: text) {
            guard hex.count >= Self.minimumDigestPrefix, hex.count <= 64, hex.allSatisfy(\.isHexDigit) else {
                throw ModelStoreError.invalidReference(text, reason: "a digest prefix needs 8 to 64 hex digits")
            }
            self = .digestPrefix(hex.lowercased())
        } else if let at = text.lastIndex(of: "@") {
            guard let version = Int(text[text.index(after: at)...]), version >= 1 else {
                throw ModelStoreError.invalidReference(text, reason: "the version after '@' must be a positive integer")
            }
            self = .version(try ModelName(String(text[..<at])), version)
        } else if let colon = text.lastIndex(of: ":") {
            self = .tag(try ModelName(String(text[..<colon])), try TagName(String(text[text.index(after: colon)...])))
        } else {
            self = .tag(try ModelName(text), .latest)
        }
    }

    public var description: String {
        switch self {
        case let .tag(name, tag): return "\(name):\(tag)"
        case let .version(name, version): return "\(name)@\(version)"
        case let .digestPrefix(hex): return "sha256-\(hex)"
        }
    }
}
