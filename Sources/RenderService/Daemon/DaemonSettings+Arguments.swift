// kacd's settings on the command line, in `--help` and in the docs, all made from `DaemonSetting.all`:
// `--name value` (or `--name=value`) sets a setting whose value is text, a bare `--name` sets a
// boolean one; the value after a flag is taken as written, even when it starts with `-`
// (`--max-priority -5`). Arguments that are not settings (`--config`, `--print-config`, `--help`,
// `--version`, mistakes) are left, in order, for kacd's ArgumentParser command to read.
import Foundation

/// A command line that cannot be read; kacd prints `message` and exits 78.
public struct DaemonArgumentError: Error, Sendable, Equatable {
    public let message: String
    public init(message: String) { self.message = message }
}

extension DaemonSettings {
    /// One setting given on the command line.
    public struct Flag: Sendable, Equatable {
        public let setting: DaemonSetting
        public let value: String
        /// `--max-count 0`: what the error names.
        public var origin: String { "--\(setting.name) \(value)" }
    }

    /// The settings' flags in `arguments` and everything else. `otherOptionsWithValues` names the
    /// command's own options whose value must not be read as a flag (`--config`).
    public static func flags(
        in arguments: [String], otherOptionsWithValues: Set<String> = []
    ) throws(DaemonArgumentError) -> (flags: [Flag], rest: [String]) {
        var flags: [Flag] = []
        var rest: [String] = []
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let argument = arguments[index]
            index += 1
            if argument == "--" {
                rest += arguments[(index - 1)...]
                break
            }
            let (name, attached) = split(argument)
            if otherOptionsWithValues.contains(name) {
                rest.append(argument)
                if attached == nil, index < arguments.endIndex {
                    rest.append(arguments[index])
                    index += 1
                }
                continue
            }
            guard name.hasPrefix("--"), let setting = DaemonSetting.named(String(name.dropFirst(2))) else {
                rest.append(argument)
                continue
            }
            if !setting.takesValue {
                guard attached == nil else { throw DaemonArgumentError(message: "\(name) takes no value, found '\(argument)'") }
                flags.append(Flag(setting: setting, value: "true"))
            } else if let attached {
                flags.append(Flag(setting: setting, value: attached))
            } else if index < arguments.endIndex {
                flags.append(Flag(setting: setting, value: arguments[index]))
                index += 1
            } else {
                throw DaemonArgumentError(message: "Missing value for '\(name) \(setting.placeholder)'")
            }
        }
        return (flags, rest)
    }

    /// `--name=value` as (`--name`, `value`); anything else as (itself, nil).
    private static func split(_ argument: String) -> (name: String, value: String?) {
        guard argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") else { return (argument, nil) }
        return (String(argument[..<equals]), String(argument[argument.index(after: equals)...]))
    }

    /// Applies the flags in order (a repeated flag: the last wins), each checked as the file's values are.
    public mutating func apply(flags: [Flag]) throws(DaemonSettingsError) {
        for flag in flags { try flag.setting.set(flag.value, in: &self, origin: flag.origin) }
    }

    /// The settings for `kacd --help`: one line per setting, what it does, what it takes, its default.
    public static var helpText: String {
        DaemonSetting.all.map { setting in
            let flag = "--\(setting.name)" + (setting.takesValue ? " \(setting.placeholder)" : "")
            let plain = { (text: String) in text.replacingOccurrences(of: "`", with: "") }
            // A boolean is a bare flag here; `true`/`false` is how the file writes it.
            let accepts = setting.takesValue ? plain(setting.accepts) : "in the file: \(plain(setting.accepts))"
            return "\(flag): \(plain(String(setting.help.dropLast()))) (\(accepts); default \(setting.defaultText))."
        }.joined(separator: "\n")
    }

    /// The settings' table of docs/operating.md, between `markdownBegin` and `markdownEnd`.
    public static var markdownTable: String {
        var lines = ["| key (= `--flag`) | default | bounds / values | what it does |", "|---|---|---|---|"]
        for setting in DaemonSetting.all {
            let note = setting.defaultNote.map { " (\($0))" } ?? ""
            let help = setting.help.replacingOccurrences(of: "|", with: "\\|")
            lines.append("| `\(setting.name)` | `\(setting.defaultText)`\(note) | \(setting.accepts) | \(help) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public static let markdownBegin = "<!-- kacd settings: generated by `kacd --print-settings-markdown` (scripts/settings-table.sh) -->"
    public static let markdownEnd = "<!-- end of kacd settings -->"
}
