// `kac zoo add-evaluation REF EVAL.json`: evaluation rows measured after a model was published (a
// new judge, more samples) are recorded as a new version with the same blob, since manifests are
// immutable. Only rows of REF's own version are taken (`kac eval --model NAME@V --json-file`).
import ArgumentParser
import ToolSupport
import Training
import Vocabulary

struct ZooAddEvaluation: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add-evaluation",
        abstract: "Publish REF's weights as a new version whose manifest adds the rows of evaluation files.",
        discussion: """
            The blob is shared (no new weights); latest moves to the new version like any publish, and
            `kac zoo rollback NAME` moves it back. Rows come from `kac eval --model NAME@V --json-file FILE`
            (or --score-samples) and must name REF's version; each keeps its judge.
            """)

    @OptionGroup var options: ZooOptions
    @OptionGroup var model: ModelReferenceArgument
    @Argument(help: "Evaluation JSON files written by `kac eval --json-file`.") var evaluations: [String]
    @Option(help: "Tag to move to the new version (repeatable; `latest` always moves).") var tag: [String] = []

    func run() throws {
        let store = try options.openStore()
        let source = try store.resolve(try model.parsed())
        var details = source.details
        for file in evaluations {
            details.evaluations += try EvaluationReport.read(from: file).results(forModel: source.label, file: file)
        }
        let manifest = try store.republish(source, details: details, tags: try tag.map { try parseArgument($0, TagName.init) })
        if options.json {
            return try ZooOutput.json([
                "name": manifest.name.description, "version": String(manifest.version), "from": String(source.version),
                "evaluations": String(manifest.details.evaluations.count),
            ])
        }
        print(
            "published \(manifest.label) (the weights of \(source.label), \(manifest.details.evaluations.count) evaluation rows, "
                + "\(manifest.details.evaluations.count - source.details.evaluations.count) new)")
    }
}
