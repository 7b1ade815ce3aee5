// `kac zoo stability REF`: KAC.md §7's endpoint-stability figures of a distilled student — the
// teacher's velocity bound B, the interval Δ, the endpoint error of the student's Euler step against
// its teacher's sub-stepped integration (measured on teacher trajectories from the prior), and the
// path-error bound endpoint error + B·√d·Δ/2. `--record` keeps them in a new version sharing the
// blob (manifests are immutable), shown by `kac zoo show`.
import ArgumentParser
import ModelStore
import ToolSupport
import Training
import Vocabulary

struct ZooStability: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stability",
        abstract: "Measure a student's endpoint-stability figures (KAC.md §7); --record keeps them in a new version.",
        discussion: """
            The teacher (default: the student's parent) runs teacher steps / student steps Euler sub-steps
            per student interval at its own default guidance; the student takes one Euler step at s = 1.
            B uses the guidance scale the field carries: --guidance, else the first scale other than 1 that
            a distillation up the student's lineage baked in, else the first teacher ancestor's default.
            """)

    @OptionGroup var options: ZooOptions
    @Argument(help: "The student: NAME, NAME:TAG, NAME@VERSION or sha256-<prefix>.") var reference: String
    @Option(help: "The teacher to measure against (default: the student's parent).") var teacher: String?
    @Option(help: "Teacher trajectories from the prior.") var samples = 256
    @Option(help: "Seed of the prior draws.") var seed: UInt64 = 7
    @Option(help: "Guidance scale carried by the teacher's field, for B (default: from the student's lineage).") var guidance: Double?
    @Flag(help: "Publish the figures as a new version of the student sharing its blob (latest moves).") var record = false

    func run() throws {
        guard samples >= 1 else { throw ValidationError("--samples must be at least 1") }
        let store = try options.openStore()
        let (manifest, stability, label) = try EndpointStability.measure(
            student: try parseArgument(reference, ModelReference.init(parsing:)),
            teacher: try teacher.map { try parseArgument($0, ModelReference.init(parsing:)) }, in: store, guidance: guidance,
            count: samples, seed: seed, figure: { ModelManifest.figure($0) })
        var published: ModelManifest?
        if record {
            var details = manifest.details
            details.stability = stability
            published = try store.republish(manifest, details: details)
        }
        if options.json { return try ZooOutput.json(stability) }
        print("\(manifest.label) against \(label), \(samples) trajectories:")
        for line in stability.describedLines { print("  " + line) }
        if let published { print("published \(published.label) (the weights of \(manifest.label) with these figures)") }
    }
}
