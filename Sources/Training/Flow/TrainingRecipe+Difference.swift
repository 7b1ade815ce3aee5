// What differs between two training recipes, field by field: the dotted path of every leaf of the
// recipe's Codable form (`architecture.configuration.hiddenWidth`), the recorded and the requested
// value as text, "(absent)" for a field only one of them has. Walking the Codable form (through
// Vocabulary's JSONValue) means a field added to any configuration is compared without a list to keep.
import Foundation
import Vocabulary

/// One recipe field whose value differs.
public struct RecipeDifference: Sendable, Equatable {
    /// Dotted path of the field, e.g. `training.batchSize`.
    public var key: String
    public var recorded: String
    public var requested: String

    public init(key: String, recorded: String, requested: String) {
        self.key = key
        self.recorded = recorded
        self.requested = requested
    }
}

extension TrainingRecipe {
    /// The fields of `requested` that differ from this (recorded) recipe, sorted by key. The command
    /// line and `training.totalSteps` (a larger --steps extends a run) are not compared.
    public func differences(to requested: TrainingRecipe) throws -> [RecipeDifference] {
        let old = try leaves(), new = try requested.leaves()
        var result: [RecipeDifference] = []
        for key in Set(old.keys).union(new.keys).sorted() where key != "command" && key != "training.totalSteps" {
            let before = old[key], now = new[key]
            if before != now { result.append(RecipeDifference(key: key, recorded: before ?? "(absent)", requested: now ?? "(absent)")) }
        }
        return result
    }

    /// Every leaf of the recipe's Codable form by dotted path; arrays are one leaf, `[a,b]`.
    private func leaves() throws -> [String: String] {
        let value = try JSONDecoder().decode(JSONValue.self, from: try JSONEncoder().encode(self))
        var result: [String: String] = [:]
        func walk(_ value: JSONValue, _ path: String) {
            if case .object(let members) = value {
                for (key, child) in members { walk(child, path.isEmpty ? key : path + "." + key) }
            } else {
                result[path] = Self.plain(value)
            }
        }
        walk(value, "")
        return result
    }

    /// A value as a person reads it in a message: strings unquoted, arrays `[1,2,2]`.
    private static func plain(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): text
        case .array(let items): "[" + items.map(plain).joined(separator: ",") + "]"
        default: value.description
        }
    }

    /// The refusal to resume `directory` with a recipe that differs from the one it was started with.
    public func mismatch(in directory: String, differences: [RecipeDifference]) -> TrainingError {
        var message =
            "\(directory) was started with different options; resuming would train something other than recipe.json says:\n"
        message += differences.map { "  \($0.key): \($0.recorded) in the run, \($0.requested) now" }.joined(separator: "\n")
        message += "\nthe run was started with: \(command)\n"
        message +=
            "re-run with the original options (only --steps may change), pick a new --run directory, or pass --fresh to start over"
        return .recipeMismatch(message)
    }
}
