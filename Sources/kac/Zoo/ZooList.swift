// `kac zoo list` and `kac zoo show REF`: what the store holds, as a table or JSON.
import ArgumentParser
import Foundation
import ModelStore
import Vocabulary

struct ZooList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List every model version.")

    @OptionGroup var options: ZooOptions

    struct Row: Encodable {
        var name: String
        var version: Int
        var tags: [String]
        var kind: String?
        var dataset: String?
        var dtype: String?
        var compressedSize: Int?
        var created: Date?
        var error: String?
    }

    func run() throws {
        let store = try options.openStore()
        var rows: [Row] = []
        for name in store.models() {
            let tags = (try? store.tags(of: name)) ?? [:]
            for version in store.versions(of: name) {
                let tagged = tags.filter { $0.value == version }.keys.map(\.description).sorted()
                do {
                    let manifest = try store.manifest(name, version: version)
                    rows.append(
                        Row(
                            name: name.description, version: version, tags: tagged, kind: manifest.details.kind.rawValue,
                            dataset: manifest.details.dataset?.name, dtype: manifest.dtype.rawValue,
                            compressedSize: manifest.compressedSize, created: manifest.created))
                } catch {
                    rows.append(Row(name: name.description, version: version, tags: tagged, error: String(describing: error)))
                }
            }
        }
        if options.json { return try ZooOutput.json(rows) }
        ZooOutput.table(
            ["NAME", "VERSION", "TAGS", "KIND", "DATASET", "DTYPE", "SIZE", "CREATED"],
            rows.map { row in
                [
                    row.name, String(row.version), row.tags.joined(separator: ","), row.kind ?? "CORRUPT", row.dataset ?? "-",
                    row.dtype ?? "-",
                    row.compressedSize.map(ZooOutput.size) ?? "-", row.created.map(ZooOutput.date) ?? "run `kac zoo verify`",
                ]
            })
    }
}

struct ZooShow: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Print one version's manifest.")

    @OptionGroup var options: ZooOptions

    @Argument(help: "NAME, NAME:TAG, NAME@VERSION or sha256-<prefix>.")
    var reference: String

    @Flag(
        help:
            "Also print the checkpoint's own metadata (the safetensors header's __metadata__, e.g. distillation.*): reads the blob and checks its digest."
    )
    var metadata = false

    func run() throws {
        let store = try options.openStore()
        let manifest = try store.resolve(try parseArgument(reference, ModelReference.init(parsing:)))
        let checkpointMetadata = metadata ? try store.load(manifest).checkpoint.metadata : nil
        if options.json {
            guard let checkpointMetadata else { return try ZooOutput.json(manifest) }
            return try ZooOutput.json(ManifestWithMetadata(manifest: manifest, checkpointMetadata: checkpointMetadata))
        }
        let details = manifest.details
        var lines: [(String, String)] = [
            ("name", "\(manifest.name)@\(manifest.version)"), ("kind", details.kind.rawValue),
            ("blob", manifest.blob.description), ("dtype", manifest.dtype.rawValue),
            ("size", "\(ZooOutput.size(manifest.compressedSize)) compressed, \(ZooOutput.size(manifest.uncompressedSize)) uncompressed"),
            ("created", ZooOutput.date(manifest.created)),
            ("architecture", ZooShowFormat.architecture(details.architecture)),
        ]
        if let kac = details.kac {
            lines.append(("kac", "a=\(kac.dampingRate) c=\(kac.speed) T=\(kac.horizon) schedule=\(kac.schedule.rawValue)"))
        }
        if let sampler = details.sampler {
            lines.append(("sampler", "\(sampler.integrator.rawValue), \(sampler.steps) steps, guidance \(sampler.guidance)"))
        }
        if let names = details.classNames { lines.append(("classes", names.joined(separator: ", "))) }
        if let parent = details.parent { lines.append(("parent", ZooShowFormat.parent(parent, in: store))) }
        if let dataset = details.dataset { lines.append(("dataset", dataset.name + (dataset.digest.map { " \($0)" } ?? ""))) }
        if let command = details.trainingCommand { lines.append(("command", command)) }
        if let seed = details.seed { lines.append(("seed", String(seed))) }
        if let steps = details.trainingSteps { lines.append(("steps", String(steps))) }
        for row in details.evaluations {
            let setting = [
                row.integrator.map(\.rawValue), row.guidanceScale.map { "s=\(Self.figure($0))" },
                row.networkEvaluations.map { "NFE \($0)" },
            ].compactMap { $0 }
            let parts = [
                setting.isEmpty ? nil : setting.joined(separator: " "),
                row.frechetDistance.map { "FD \(Self.figure($0))" },
                row.multiLayerKernelDistance.map { "KID×1e3 \(Self.figure($0 * 1000))" },
                row.classAccuracy.map { "accuracy \(Self.figure($0, digits: 3))" },
                row.imagesPerSecond.map { "\(Self.figure($0)) images/s" }, row.sampleCount.map { "n=\($0)" },
                row.judge.map { "by \($0)" },
            ].compactMap { $0 }
            lines.append(("eval@\(row.steps)", parts.joined(separator: ", ")))
        }
        if let stability = details.stability {
            lines += Self.stabilityLines(stability).map { ("stability", $0) }
        }
        for (key, value) in (checkpointMetadata ?? [:]).sorted(by: { $0.key < $1.key }) {
            lines.append(("metadata", "\(key) = \(value)"))
        }
        let width = lines.map(\.0.count).max() ?? 0
        for (key, value) in lines { print(key.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + value) }
    }

    /// `--json --metadata`: the manifest and, beside it, the checkpoint's metadata.
    struct ManifestWithMetadata: Encodable {
        let manifest: ModelManifest
        let checkpointMetadata: [String: String]
    }

    /// KAC.md §7's figures, one per line.
    static func stabilityLines(_ s: EndpointStability) -> [String] {
        [
            "velocity bound B \(figure(s.velocityBound)), interval Δ \(figure(s.interval, digits: 3)), d = \(s.dimension)",
            "endpoint error ‖x̂ − x̄‖ mean \(figure(s.endpointErrorMean, digits: 3)), max \(figure(s.endpointErrorMax, digits: 3)) (n=\(s.sampleCount), against \(s.teacher))",
            "path-error bound \(figure(s.pathErrorBound)) = max endpoint error + B·√d·Δ/2 (\(figure(s.discretisationTerm)))",
        ]
    }

    /// At most `digits` decimals, trailing zeros dropped (12.5, 36.17, 0.946).
    static func figure(_ value: Double, digits: Int = 2) -> String {
        var text = String(format: "%.\(digits)f", value)
        while text.contains("."), text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }
}
