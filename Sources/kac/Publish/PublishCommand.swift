// `kac publish CHECKPOINT --name NAME`: a training checkpoint (its EMA weights and recorded recipe:
// architecture, Kac path, dataset and digest, command, seed, steps) plus optional evaluation rows
// from `kac eval --json-file` becomes the next zoo version. Manifests are immutable, so evaluations are
// recorded by publishing with --evaluation, never by editing a published manifest.
// A classifier checkpoint (`kac classifier train`) is published as kind `classifier`.
import ArgumentParser
import Generation
import ModelStore
import ToolSupport
import Training
import Vocabulary

struct PublishCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Publish a training checkpoint (EMA weights + recipe + evaluations) as a zoo version.",
        discussion: """
            Evaluation rows are attached at publish time: run `kac eval --run RUN --json-file eval.json`, then
            `kac publish RUN/checkpoint.safetensors --name fashion-mnist/teacher --evaluation eval.json`.
            """)

    @Argument(help: "A checkpoint written by `kac train`, `kac distill` or `kac classifier train`.") var checkpoint: String
    @Option(help: "Zoo model name, e.g. fashion-mnist/teacher.") var name: String
    @OptionGroup var published: PublicationOptions
    @Option(help: "teacher or student (velocity models; classifier checkpoints are detected by their format).")
    var kind: ModelKind = .teacher
    @Option(
        name: .customLong("evaluation"),
        help: "Evaluation JSON written by `kac eval --json-file` (repeatable; rows of this model are recorded).")
    var evaluations: [String] = []
    @OptionGroup var zoo: ZooLocation
    @Option(help: "The teacher this student was distilled from (zoo reference); recorded as lineage.") var parent: String?
    @Option(help: "Endpoint-stability figures written by `kac zoo stability --json` (a student's, KAC.md §7).") var stability: String?
    @Option(help: "Default integrator (teacher default: euler).") var sampler: Integrator?
    @Option(help: "Default step count (teacher default: 100; required for a student).") var steps: Int?
    @Option(
        help:
            "Default guidance scale (teacher default: 1.5; student default: 1, guidance is baked in; a guidance-conditioned student is sampled at this s)."
    )
    var guidance: Double?

    func run() throws {
        let store = try zoo.open(create: true)
        if let record = try? ClassifierRecord.load(checkpointAt: checkpoint) {
            let manifest = try record.publish(to: store, name: name, dtype: published.dtype, tags: published.tags)
            print("published classifier \(manifest.name)@\(manifest.version) (\(manifest.compressedSize) bytes) to \(zoo.path)")
            return
        }
        guard kind != .classifier else {
            throw ValidationError("--kind takes teacher or student (\(checkpoint) is not a classifier checkpoint)")
        }
        let (recipe, state) = try TrainingState.load(from: checkpoint)
        let publication = try VelocityModelPublication.trainingCheckpoint(
            checkpoint, recipe: recipe, state: state, name: name, kind: kind,
            defaults: try SamplingSettings.published(for: kind, integrator: sampler, steps: steps, guidance: guidance),
            parent: try parent.map(store.blob(naming:)), evaluationFiles: evaluations, stabilityFile: stability)
        let manifest = try publication.publish(to: store, dtype: published.dtype, tags: published.tags)
        print(
            "published \(kind.rawValue) \(manifest.name)@\(manifest.version) (step \(state.step), "
                + "\(manifest.details.evaluations.count) evaluation rows, \(manifest.compressedSize) bytes) to \(zoo.path)")
    }
}

extension ModelKind: ExpressibleByArgument {}
