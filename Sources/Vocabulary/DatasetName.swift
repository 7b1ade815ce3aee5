// The name of a data set as manifests record it (`dataset.name`: `fashion-mnist`, or the name a
// labelled image folder was trained under) and as a job names it (`"dataset"`) to say among which
// models a quality preset chooses. Names are compared exactly; the grammar is loose on purpose
// (folder names become data set names), but no control characters and no surrounding spaces.

public struct DatasetName: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let text: String

    /// The longest name, in UTF-8 bytes (a file name's limit, NAME_MAX).
    public static let maximumLength = 255

    /// The data set every Fashion-MNIST model records.
    public static let fashionMNIST = DatasetName(validated: "fashion-mnist")

    /// Accepts 1…255 UTF-8 bytes without control characters or leading/trailing spaces.
    public init(parsing text: String) throws(DatasetNameError) {
        guard (1...Self.maximumLength).contains(text.utf8.count) else {
            throw DatasetNameError(text: text, reason: "it must have 1 to \(Self.maximumLength) bytes")
        }
        guard !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw DatasetNameError(text: text, reason: "it must not contain control characters or line breaks")
        }
        guard text.first?.isWhitespace == false, text.last?.isWhitespace == false else {
            throw DatasetNameError(text: text, reason: "it must not start or end with a space")
        }
        self.text = text
    }

    private init(validated text: String) { self.text = text }

    public var description: String { text }

    public static func < (left: DatasetName, right: DatasetName) -> Bool { left.text < right.text }
}

/// Encoded as its text (result.json's `dataset`); decoding checks the grammar.
extension DatasetName: Codable {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { try self.init(parsing: text) } catch {
            throw DecodingError.dataCorrupted(DecodingError.Context(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }
}

/// A data set name that breaks the grammar.
public struct DatasetNameError: Error, Sendable, Equatable, CustomStringConvertible {
    public let text: String
    public let reason: String

    public var description: String { "\"\(text)\" is not a data set name: \(reason)" }
}
