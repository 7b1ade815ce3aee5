// `kac publish CHECKPOINT`: a training checkpoint (its EMA weights and recorded recipe: architecture,
// Kac path, data set and digest, command, seed, steps) with evaluation rows measured on it and, for a
// student, its endpoint-stability figures, as the zoo record of the next version. A distilled stage's
// checkpoint keeps the record of how it was made (`distillation.*`), with `source` = kac publish.
import Foundation
import Generation
import ModelStore
import Vocabulary

extension VelocityModelPublication {
    /// The publication as `name` of the checkpoint at `path`, read as `recipe` and `state`.
    /// - Parameters:
    ///   - evaluationFiles: `kac eval --json-file` reports; their rows of this checkpoint are recorded.
    ///   - stabilityFile: figures written by `kac zoo stability --json`.
    public static func trainingCheckpoint(
        _ path: String, recipe: TrainingRecipe, state: TrainingState, name: String, kind: ModelKind, defaults: SamplingSettings,
        parent: Digest?, evaluationFiles: [String], stabilityFile: String?
    ) throws -> VelocityModelPublication {
        var publication = VelocityModelPublication(
            name: name, kind: kind, weights: state.average.shadow, architecture: recipe.architecture, path: recipe.path,
            defaults: defaults, classNames: recipe.classNames, parent: parent,
            dataset: DatasetReference(name: recipe.dataset, digest: try recipe.datasetDigest.map { try Digest(parsing: $0) }),
            command: recipe.command, seed: recipe.seed, trainingSteps: state.step,
            evaluations: try evaluationFiles.flatMap {
                try EvaluationReport.read(from: $0).results(forCheckpoint: path, step: state.step, file: $0)
            },
            metadata: (DistilledCheckpointOrigin.of(checkpoint: path)?.metadata ?? [:]).merging(["source": "kac publish"]) { $1 })
        if let stabilityFile {
            guard let data = FileManager.default.contents(atPath: stabilityFile),
                let figures = try? JSONDecoder().decode(EndpointStability.self, from: data)
            else { throw EvaluationError.invalidOptions("\(stabilityFile) is not a file written by `kac zoo stability --json`") }
            publication.stability = figures
        }
        return publication
    }
}

extension SamplingSettings {
    /// The sampler defaults `kac publish` records: those given, else Euler, 100 steps and s = 1.5 for
    /// a teacher; a student's step count is not in its checkpoint and must be given, and its scale
    /// defaults to 1 (guidance baked in).
    public static func published(
        for kind: ModelKind, integrator: Integrator?, steps: Int?, guidance: Double?
    ) throws(TrainingError)
        -> SamplingSettings
    {
        if kind == .student && steps == nil {
            throw .invalidOptions(
                "a student's default step count is not recorded in its checkpoint; pass --steps N (the steps it was distilled for)")
        }
        let stepCount = steps ?? 100
        guard stepCount > 0 else { throw .invalidOptions("--steps must be positive, got \(stepCount)") }
        return SamplingSettings(integrator: integrator ?? .euler, steps: stepCount, guidance: guidance ?? (kind == .teacher ? 1.5 : 1))
    }
}
