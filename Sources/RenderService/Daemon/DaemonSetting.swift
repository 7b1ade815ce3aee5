// One setting of `kacd`, described once: its name (the flag's long name and the configuration
// file's key), the typed field of `DaemonSettings` it fills, how its text is parsed and printed,
// what it accepts and what it means. Flags, the file, `--print-config`, `--help` and the table in
// docs/operating.md are all made from `DaemonSetting.all` (DaemonSetting+Table.swift). The shape
// follows hummingbird's and swift-configuration's typed keys: a key names a typed value with a
// default, and one reader turns text into that type — here the reader also reports what it allows.
import Foundation
import Vocabulary

/// Why a value was refused: the sentence after `origin: ` in kacd's configuration error.
public struct SettingRefusal: Error, Sendable, Equatable {
    public let message: Reason
    public init(_ message: Reason) { self.message = message }
}

/// How the text of one kind of value becomes that value, and back.
public struct SettingValue<Value>: Sendable {
    /// Placeholder in `--help`: `<seconds>`, `<n>`, `<path>`.
    public let placeholder: String
    /// What is accepted, for the docs' table and `--help`: `1 … 1024`, `true, false`.
    public let accepts: String
    /// False for booleans, which a flag sets without a value (`--once`).
    public private(set) var takesValue = true
    let parse: @Sendable (String) throws(SettingRefusal) -> Value
    let show: @Sendable (Value) -> String
}

/// One setting; build it with `DaemonSetting(_:_:_:help:)`.
public struct DaemonSetting: Sendable, Equatable, CustomStringConvertible {
    /// `max-count`: the flag is `--max-count`, the file's key `max-count`.
    public let name: String
    /// What it does, one sentence for `--help` and the docs (bounds and default are added).
    public let help: String
    /// Said after the default in the docs (`<host>-<pid>`), or nil.
    public let defaultNote: String?
    public let placeholder: String
    public let accepts: String
    public let takesValue: Bool
    private let assign: @Sendable (inout DaemonSettings, String) throws(SettingRefusal) -> Void
    private let read: @Sendable (DaemonSettings) -> String

    public init<Value>(
        _ name: String, _ keyPath: WritableKeyPath<DaemonSettings, Value> & Sendable, _ value: SettingValue<Value>,
        help: String, defaultNote: String? = nil
    ) {
        self.name = name
        self.help = help
        self.defaultNote = defaultNote
        placeholder = value.placeholder
        accepts = value.accepts
        takesValue = value.takesValue
        assign = { (settings: inout DaemonSettings, text: String) throws(SettingRefusal) in
            settings[keyPath: keyPath] = try value.parse(text)
        }
        read = { value.show($0[keyPath: keyPath]) }
    }

    public var description: String { name }
    /// Names are unique in `all` (a test checks), so a setting is its name.
    public static func == (left: DaemonSetting, right: DaemonSetting) -> Bool { left.name == right.name }

    /// Sets this setting in `settings` from `text`; `origin` (`--max-count 0`, `file line 4 (…)`) starts the error.
    public func set(_ text: String, in settings: inout DaemonSettings, origin: String) throws(DaemonSettingsError) {
        do { try assign(&settings, text) } catch { throw DaemonSettingsError(origin: origin, message: error.message) }
    }

    /// The value in `settings` as `set` reads it back (`auto`, `off`, `all` for the unset ones).
    public func text(in settings: DaemonSettings) -> String { read(settings) }

    /// The value of a fresh `DaemonSettings`.
    public var defaultText: String { read(DaemonSettings()) }

    /// The setting named `name`, or nil.
    public static func named(_ name: String) -> DaemonSetting? { all.first { $0.name == name } }
}
