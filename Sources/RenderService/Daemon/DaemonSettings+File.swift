// The configuration file (`/etc/kac/kacd.conf`): `key = value` lines, `#` comments, blank lines;
// each key at most once; the keys are kacd's long flag names. Every line is checked and every
// mistake reported (a file with three typos needs one edit, not three restarts), each naming its
// line, and an unknown key gets the nearest known one. `kac` reads the same file for its default
// spool and zoo through `entries(ofFile:path:)`, so the two never read it differently.
import Foundation
import Vocabulary

extension DaemonSettings {
    /// Largest configuration file read; anything bigger is not one.
    public static let maximumFileBytes = 64 * 1024

    /// One `key = value` line of the file.
    public struct FileEntry: Sendable, Equatable {
        public let key: DaemonSetting
        public let value: String
        public let line: Int
    }

    /// The file's entries, or every malformed line, unknown key and repeated key as one error.
    public static func entries(ofFile text: String, path: String) throws(DaemonSettingsError) -> [FileEntry] {
        let parsed = parse(text, path: path)
        if let error = combined(parsed.errors) { throw error }
        return parsed.entries
    }

    /// Applies `text`, the contents of the configuration file at `path`; every bad line is reported.
    public mutating func apply(file text: String, path: String) throws(DaemonSettingsError) {
        var (entries, errors) = Self.parse(text, path: path)
        for entry in entries {
            let origin = "\(path) line \(entry.line) (\(entry.key.name) = \(entry.value))"
            do { try entry.key.set(entry.value, in: &self, origin: origin) } catch { errors.append((entry.line, error)) }
        }
        if let error = Self.combined(errors.sorted { $0.line < $1.line }) { throw error }
    }

    /// The first error carrying the rest, or nil.
    private static func combined(_ errors: [(line: Int, error: DaemonSettingsError)]) -> DaemonSettingsError? {
        guard var first = errors.first?.error else { return nil }
        first.others = errors.dropFirst().map(\.error)
        return first
    }

    private static func parse(_ text: String, path: String) -> (entries: [FileEntry], errors: [(line: Int, error: DaemonSettingsError)]) {
        var entries: [FileEntry] = []
        var errors: [(line: Int, error: DaemonSettingsError)] = []
        var seen: [String: Int] = [:]
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = offset + 1
            let origin = "\(path) line \(number)"
            let fail = { (message: String) in errors.append((number, DaemonSettingsError(origin: origin, message: Reason(message)))) }
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let equals = line.firstIndex(of: "=") else {
                fail("expected key = value, found \(String(line).debugDescription)")
                continue
            }
            let name = line[..<equals].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            guard let key = DaemonSetting.named(name) else {
                let names = DaemonSetting.all.map(\.name)
                let guess = Spelling.closest(to: name, among: names).map { "did you mean \($0)? " } ?? ""
                fail("unknown key \(name.debugDescription); \(guess)the keys are \(names.joined(separator: ", "))")
                continue
            }
            if let first = seen[name] {
                fail("\(name) is set again (first on line \(first)); keep one")
                continue
            }
            seen[name] = number
            entries.append(FileEntry(key: key, value: value, line: number))
        }
        return (entries, errors)
    }

    /// The text of the configuration file at `path` (at most `maximumFileBytes`, UTF-8).
    public static func readFile(at path: String) throws(DaemonSettingsError) -> String {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            let reason = Reason("cannot read the configuration file", cause: error, joint: .parentheses, then: "; check --config")
            throw DaemonSettingsError(origin: path, message: reason)
        }
        guard data.count <= Self.maximumFileBytes else {
            throw DaemonSettingsError(
                origin: path, message: "\(data.count) bytes is too large for a configuration file (at most \(Self.maximumFileBytes))")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw DaemonSettingsError(origin: path, message: "the configuration file is not UTF-8 text")
        }
        return text
    }

    /// Reads and applies the configuration file at `path`.
    public mutating func apply(fileAt path: String) throws(DaemonSettingsError) {
        try apply(file: try Self.readFile(at: path), path: path)
    }

    /// The effective configuration in the file's own syntax (so it can be saved and used as one).
    public func fileText(header: [String]) -> String {
        var lines = header.map { "# " + $0 }
        for setting in DaemonSetting.all { lines.append("\(setting.name) = \(setting.text(in: self))") }
        return lines.joined(separator: "\n") + "\n"
    }
}
