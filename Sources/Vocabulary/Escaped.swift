// Text that came from outside (a job file's keys and values, a manifest's names, a file name)
// made safe for a log line or a terminal: control characters — newlines, escape sequences that
// set a terminal's title or colours, NUL, DEL, the C1 range — and the Unicode bidirectional
// overrides that reorder what a reader sees become visible `\u{…}` escapes, so such text can
// never end a log line early, forge another one, or drive the terminal.

public enum Escaped {
    /// `text` with every character `needsEscaping` objects to written as `\u{XX}`, cut to `limit`
    /// characters (then ending in `…`).
    public static func text(_ text: some StringProtocol, limit: Int = 200) -> String {
        var result = ""
        var count = 0
        for scalar in text.unicodeScalars {
            if count >= limit {
                result += "…"
                break
            }
            if isUnsafe(scalar) {
                result += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            } else {
                result.unicodeScalars.append(scalar)
            }
            count += 1
        }
        return result
    }

    /// Whether `text` holds a character that must not reach a terminal or a log line as it is.
    public static func needsEscaping(_ text: some StringProtocol) -> Bool { text.unicodeScalars.contains(where: isUnsafe) }

    /// C0 controls (tab included), DEL, C1 controls, line and paragraph separators, and the
    /// bidirectional embedding, override and isolate controls.
    static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F, 0x2028, 0x2029, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }
}
