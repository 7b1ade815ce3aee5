// The kinds of value a kacd setting takes — seconds, whole numbers in bounds, booleans, paths,
// durations, names — each with its parser, its printer and the sentence a refused value gets.
// Bounds are inclusive; the sentences are what kacd prints after `origin: `, so operators (and the
// tests of KacdConfigurationTests) see the same words whichever way a value was given.
import Foundation
import Spool
import Vocabulary

extension SettingValue where Value == String {
    /// A directory path: not empty, no NUL.
    static var path: SettingValue {
        SettingValue(placeholder: "<path>", accepts: "a directory path") { (text: String) throws(SettingRefusal) -> String in
            guard !text.isEmpty, !text.contains("\0") else { throw SettingRefusal("empty; give a directory path") }
            return text
        } show: {
            $0
        }
    }
}

extension SettingValue where Value == Bool {
    /// `true, yes, 1` or `false, no, 0` in the file; a flag without a value on the command line.
    static var boolean: SettingValue {
        SettingValue(placeholder: "", accepts: "true, false", takesValue: false) { (text: String) throws(SettingRefusal) -> Bool in
            switch text {
            case "true", "yes", "1": return true
            case "false", "no", "0": return false
            default: throw SettingRefusal("not true or false")
            }
        } show: {
            String($0)
        }
    }
}

extension SettingValue where Value == Double {
    /// Seconds as a number (5, 0.5) or with a unit as prune-older-than takes them (5s, 2m, 1h).
    static func seconds(_ range: ClosedRange<Double>) -> SettingValue {
        SettingValue(
            placeholder: "<seconds>",
            accepts: "\(SettingText.range(range, spaced: true)) s (a number of seconds, or with a unit: `5s`, `2m`, `1h`)"
        ) {
            (text: String) throws(SettingRefusal) -> Double in
            guard let value = Double(text) ?? RetentionPolicy.duration(text), value.isFinite else {
                throw SettingRefusal(
                    "not a duration; give seconds (5, 0.5) or a number with s, m, h or d (5s, 2m) in \(SettingText.range(range)) s")
            }
            guard range.contains(value) else { throw SettingRefusal("out of range; give seconds in \(SettingText.range(range))") }
            return value
        } show: {
            SettingText.number($0)
        }
    }

    /// A duration written as seconds or with a unit, printed in the largest unit that divides it (`2h`).
    static func duration(_ range: ClosedRange<Double>) -> SettingValue {
        let bounds = "\(SettingText.duration(range.lowerBound))…\(SettingText.duration(range.upperBound))"
        return SettingValue(placeholder: "<duration>", accepts: "a duration, \(bounds) (`90m`, `2h`, `600`)") {
            (text: String) throws(SettingRefusal) -> Double in
            guard let seconds = RetentionPolicy.duration(text) ?? Double(text), seconds.isFinite else {
                throw SettingRefusal("not a duration; give seconds or a number with s, m, h or d (2h, 90m)")
            }
            guard range.contains(seconds) else { throw SettingRefusal("out of range; give \(bounds)") }
            return seconds
        } show: {
            SettingText.duration($0)
        }
    }
}

extension SettingValue where Value == Double? {
    /// A duration with a unit (`7d`, `12h`), or `off` for none.
    static func durationOrOff(_ range: ClosedRange<Double>) -> SettingValue {
        let top = SettingText.duration(range.upperBound)
        return SettingValue(
            placeholder: "<duration>",
            accepts: "a duration `90s`, `30m`, `12h`, `7d`, `2w` (\(SettingText.duration(range.lowerBound)) … \(top)), `off`"
        ) {
            (text: String) throws(SettingRefusal) -> Double? in
            if text == "off" { return nil }
            guard let seconds = RetentionPolicy.duration(text) else {
                throw SettingRefusal("not a duration; give a number with s, m, h, d or w (7d, 12h, 90s), or off")
            }
            guard range.contains(seconds) else { throw SettingRefusal("out of range; give at most \(top), or off") }
            return seconds
        } show: {
            $0.map(SettingText.duration) ?? "off"
        }
    }
}

extension SettingValue where Value == Int {
    /// A whole number in `range`; `unit` names what it counts in the refusal (`images per job`).
    static func integer(_ range: ClosedRange<Int>, _ unit: String) -> SettingValue {
        SettingValue(placeholder: "<n>", accepts: "\(range.lowerBound) … \(range.upperBound)") {
            (text: String) throws(SettingRefusal) -> Int in
            try wholeNumber(text, range, unit)
        } show: {
            String($0)
        }
    }
}

extension SettingValue where Value == Int? {
    /// A whole number in `range`, or `keyword` (`auto`, `all`) for none.
    static func integer(_ range: ClosedRange<Int>, _ unit: String, or keyword: String) -> SettingValue {
        SettingValue(placeholder: "<n>", accepts: "\(range.lowerBound) … \(range.upperBound), `\(keyword)`") {
            (text: String) throws(SettingRefusal) -> Int? in
            text == keyword ? nil : try wholeNumber(text, range, "\(unit) (or \(keyword))")
        } show: {
            $0.map(String.init) ?? keyword
        }
    }
}

/// `text` as an Int in `range`, or the refusal naming `unit`.
private func wholeNumber(_ text: String, _ range: ClosedRange<Int>, _ unit: String) throws(SettingRefusal) -> Int {
    guard let value = Int(text) else { throw SettingRefusal("not a whole number; give \(unit) in \(range.lowerBound)…\(range.upperBound)") }
    guard range.contains(value) else { throw SettingRefusal("out of range; give \(unit) in \(range.lowerBound)…\(range.upperBound)") }
    return value
}

/// How settings' numbers are written in messages, `--print-config` and the docs.
enum SettingText {
    /// `5`, `0.5`: whole numbers without a decimal point.
    static func number(_ value: Double) -> String { value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value) }

    /// `0.01…3600`, or `0.01 … 3600` spaced for the docs.
    static func range(_ range: ClosedRange<Double>, spaced: Bool = false) -> String {
        number(range.lowerBound) + (spaced ? " … " : "…") + number(range.upperBound)
    }

    /// Seconds in the largest unit (up to days) that divides them: `7d`, `12h`, `30m`, `90s`.
    static func duration(_ seconds: TimeInterval) -> String {
        for (unit, size) in [("d", 86_400.0), ("h", 3600), ("m", 60)] where seconds >= size && (seconds / size).rounded() == seconds / size
        {
            return number(seconds / size) + unit
        }
        return number(seconds) + "s"
    }
}
