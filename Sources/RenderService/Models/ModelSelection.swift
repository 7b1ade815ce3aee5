// What `ModelSelector` chose for a goal and why, recorded in result.json's `selection` and in the
// log. Every field is a typed value that encodes as the string result.json has always held
// (`goal` "quality=best", `kind` "student", `digest` "sha256-…", `sampler` "heun", `dataset`
// `fashion-mnist`; checked byte for byte by ReportJSONTests), so no reader meets a second spelling.
import ModelStore
import Vocabulary

/// The outcome of a selection.
public struct ModelSelection: Codable, Sendable, Equatable {
    public let goal: SelectionGoal
    /// "name@version" of the chosen manifest.
    public let model: String
    public let kind: ModelKind
    /// The chosen manifest's blob.
    public let digest: Digest
    public let sampler: Integrator
    public let steps: Int
    public let guidance: Double
    public let networkEvaluations: Int
    public let frechetDistance: Double?
    public let reason: String
    /// The data set chosen among, and why it was that one (the job named it, the zoo's default, the only one).
    public let dataset: DatasetName
    public let datasetReason: String
    /// Every option considered, "name@v sampler×steps (guidance g): NFE n, FD f".
    public let candidates: [String]
    /// Models left out, "name@v: why" (unreadable manifest, no sampler defaults, bad architecture),
    /// each with the error that ruled it out (encoded as its words, so result.json is unchanged).
    public let skipped: [Reason]

    /// The chosen setting: the job's sampler defaults.
    public var settings: SamplingSettings { SamplingSettings(integrator: sampler, steps: steps, guidance: guidance) }
}
