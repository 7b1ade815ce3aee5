// Status lines for people: written to standard error, unbuffered, so they interleave correctly with
// progress bars and land in logs immediately; standard output stays for results and `--json`.
// `problem` is the one place `kac` and `kac-bench` put an error into words (by Vocabulary's `Reason`).
import Foundation
import Vocabulary

public enum Console {
    public static func note(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    /// `prefix: <the error's sentence>` on standard error.
    public static func problem(_ prefix: String, _ error: any Error) {
        note(Reason(prefix, cause: error).description)
    }

    /// A value as the JSON every `--json` prints: pretty, keys sorted, slashes bare, dates ISO 8601; ends in a newline.
    public static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
    }
}
