// Options that take a comma-separated list (`--steps 1,2,4`, `--samplers euler,ab2`), parsed in one
// place: each part trimmed and read by `parse`; a part it refuses makes the whole option refused.
import ArgumentParser
import Foundation

enum CommaSeparated {
    /// `refusal` gets the part that failed and says what the option takes.
    static func values<T>(_ text: String, refusal: (String) -> String, _ parse: (String) -> T?) throws -> [T] {
        try text.split(separator: ",").map { part in
            guard let value = parse(part.trimmingCharacters(in: .whitespaces)) else { throw ValidationError(refusal(String(part))) }
            return value
        }
    }

    /// Positive integers (`--stages 100,20,4`, `--multipliers 1,2,2`), at least one.
    static func positiveIntegers(_ text: String, option: String) throws -> [Int] {
        let refusal = { (_: String) in "\(option) takes comma-separated positive integers, got '\(text)'" }
        let values = try values(text, refusal: refusal) { Int($0).flatMap { $0 > 0 ? $0 : nil } }
        guard !values.isEmpty else { throw ValidationError(refusal(text)) }
        return values
    }
}
