// `kac zoo stability REF`: KAC.md §7's endpoint-stability figures of a distilled student — the
// teacher's velocity bound B, the interval Δ, the endpoint error of the student's Euler step against
// its teacher's sub-stepped integration (measured on teacher trajectories from the prior), and the
// path-error bound endpoint error + B·√d·Δ/2. `--record` keeps them in a new version sharing the
// blob (manifests are immutable), shown by `kac zoo show`.
import ArgumentParser
import Foundation
import Generation
import ModelStore
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

    @Argument(help: "The student: NAME, NAME:TAG, NAME@VERSION or sha256-<prefix>.")
    var reference: String

    @Option(help: "The teacher to measure against (default: the student's parent).")
    var teacher: String?

    @Option(help: "Teacher trajectories from the prior.")
    var samples = 256

    @Option(help: "Seed of the prior draws.")
    var seed: UInt64 = 7

    @Option(help: "Guidance scale carried by the teacher's field, for B (default: from the student's lineage).")
    var guidance: Double?

    @Flag(help: "Publish the figures as a new version of the student sharing its blob (latest moves).")
    var record = false

    func run() throws {
        guard samples >= 1 else { throw ValidationError("--samples must be at least 1") }
        let store = try options.openStore()
        let manifest = try store.resolve(try parseArgument(reference, ModelReference.init(parsing:)))
        guard manifest.details.kind == .student, let studentSampler = manifest.details.sampler else {
            throw ValidationError("\(manifest.label) is not a student (kind \(manifest.details.kind.rawValue))")
        }
        let teacherManifest: ModelManifest
        if let teacher {
            teacherManifest = try store.resolve(try parseArgument(teacher, ModelReference.init(parsing:)))
        } else if let parent = manifest.details.parent {
            teacherManifest = try store.resolve(ModelReference(parsing: parent.description))
        } else {
            throw ValidationError("\(manifest.label) records no parent; name its teacher with --teacher REF")
        }
        let loadedStudent = try store.load(manifest)
        let student = try ZooVelocityModel.make(loadedStudent)
        let teacherModel = try ZooVelocityModel.load(teacherManifest, from: store)
        let steps = studentSampler.steps, teacherSteps = teacherModel.defaults.steps
        let substeps = max(1, (teacherSteps + steps - 1) / steps)
        let stage = DistillationStage(
            index: 0, teacherSteps: teacherSteps, studentSteps: steps, substeps: substeps, teacherIntegrator: .euler,
            teacherGuidance: teacherModel.defaults.guidance)
        let scale = try guidance ?? carriedGuidance(from: manifest, metadata: loadedStudent.checkpoint.metadata, in: store)
        let label =
            "\(teacherManifest.label), \(substeps) Euler sub-step\(substeps == 1 ? "" : "s") per interval, s = \(ZooShow.figure(teacherModel.defaults.guidance))"
        let stability = EndpointStability.measure(
            student: DistillationTeacher(network: student.network, architecture: student.architecture, path: student.path),
            teacher: DistillationTeacher(
                network: teacherModel.network, architecture: teacherModel.architecture, path: teacherModel.path),
            stage: stage, fieldGuidance: scale, count: samples, seed: seed, teacherLabel: label)
        var published: ModelManifest?
        if record {
            var details = manifest.details
            details.stability = stability
            published = try store.republish(manifest, details: details)
        }
        if options.json { return try ZooOutput.json(stability) }
        print("\(manifest.label) against \(label), \(samples) trajectories:")
        for line in ZooShow.stabilityLines(stability) { print("  " + line) }
        if let published { print("published \(published.label) (the weights of \(manifest.label) with these figures)") }
    }

    /// The guidance scale the student's field carries: walking up from the student, the first
    /// distillation that baked in a scale other than 1 (`distillation.bakedGuidance` in the blob's
    /// metadata), else the default of the first teacher reached; 1 when the chain ends first.
    /// `metadata`: the student's own, already loaded; ancestors' blobs are read as the walk reaches them.
    private func carriedGuidance(
        from start: ModelManifest, metadata startMetadata: [String: String], in store: ModelStore
    ) throws -> Double {
        var current = start
        for _ in 0..<32 {
            if current.details.kind == .teacher { return current.details.sampler?.guidance ?? 1 }
            let metadata = current == start ? startMetadata : try store.load(current).checkpoint.metadata
            if let baked = metadata[DistilledCheckpointOrigin.bakedGuidanceKey].flatMap(Double.init), baked != 1 { return baked }
            guard let parent = current.details.parent, let next = try? store.resolve(ModelReference(parsing: parent.description))
            else { return 1 }
            current = next
        }
        return 1
    }
}
