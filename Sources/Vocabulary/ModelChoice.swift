// How a request chooses its generator: a zoo reference, or a goal the zoo's evaluations decide
// (a quality preset or a step budget). One type from the job file (`model`, `quality`, `maxSteps`)
// through the spool to the daemon's selector and result.json's `goal`, so a goal is never spelled
// twice and never falls back to another one. `description` is the one spelling of a goal in
// outputs: `quality=fastest`, `maxSteps=4` (result.json, `kac status`, log lines).

/// A speed/quality preset, as job files (`"quality"`) and `kac submit --quality` spell it.
public enum QualityPreset: String, Sendable, Hashable, CaseIterable {
    case fastest, balanced, best
}

/// What a request asks the zoo for instead of a model name.
public enum SelectionGoal: Sendable, Hashable, CustomStringConvertible {
    /// The zoo's best model for a speed/quality preset.
    case quality(QualityPreset)
    /// The best model that needs at most this many sampler steps.
    case stepBudget(Int)

    public static let fastest = SelectionGoal.quality(.fastest)
    public static let balanced = SelectionGoal.quality(.balanced)
    public static let best = SelectionGoal.quality(.best)

    /// `quality=<preset>` or `maxSteps=<n>`.
    public var description: String {
        switch self {
        case .quality(let preset): "quality=\(preset.rawValue)"
        case .stepBudget(let steps): "maxSteps=\(steps)"
        }
    }

    /// Parses `description`'s spelling back (result.json's `goal`).
    public init?(_ text: String) {
        let (presetPrefix, budgetPrefix) = ("quality=", "maxSteps=")
        if text.hasPrefix(presetPrefix), let preset = QualityPreset(rawValue: String(text.dropFirst(presetPrefix.count))) {
            self = .quality(preset)
            return
        }
        let digits = text.dropFirst(budgetPrefix.count)
        // Only the canonical spelling (no sign, no leading zeros) reads back.
        guard text.hasPrefix(budgetPrefix), let steps = Int(digits), String(steps) == digits else { return nil }
        self = .stepBudget(steps)
    }
}

/// Encoded as its `description` string, as result.json has always written the goal.
extension SelectionGoal: Codable {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let goal = SelectionGoal(text) else {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(
                    codingPath: decoder.codingPath, debugDescription: "\"\(text)\" is not quality=<preset> or maxSteps=<n>"))
        }
        self = goal
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// How a job chooses its generator: exactly one of these per job.
public enum ModelChoice: Sendable, Hashable, CustomStringConvertible {
    /// A model-zoo reference (`name`, `name:tag`, `name@version`, `sha256-<8…64 hex>`).
    case reference(ModelReference)
    /// A preset or a step budget, decided by the zoo's evaluations.
    case goal(SelectionGoal)

    /// `.goal(.quality(preset))`, as a job file's `"quality"` says it.
    public static func quality(_ preset: QualityPreset) -> ModelChoice { .goal(.quality(preset)) }
    /// `.goal(.stepBudget(steps))`, as a job file's `"maxSteps"` says it.
    public static func stepBudget(_ steps: Int) -> ModelChoice { .goal(.stepBudget(steps)) }

    /// The reference as written, or the goal's `quality=…` / `maxSteps=…` (`kac status`).
    public var description: String {
        switch self {
        case .reference(let reference): reference.description
        case .goal(let goal): goal.description
        }
    }
}

/// Encoded as its `description` (result.json's `requested`); read back as a goal when it spells
/// one, else as a zoo reference.
extension ModelChoice: Codable {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        if let goal = SelectionGoal(text) {
            self = .goal(goal)
            return
        }
        do { self = .reference(try ModelReference(parsing: text)) } catch {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(
                    codingPath: decoder.codingPath, debugDescription: "\"\(text)\" is neither a model reference nor a goal"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
