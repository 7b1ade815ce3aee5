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

    @OptionGroup var model: ModelReferenceArgument

    @Flag(
        help:
            "Also print the checkpoint's own metadata (the safetensors header's __metadata__, e.g. distillation.*): reads the blob and checks its digest."
    )
    var metadata = false

    func run() throws {
        let store = try options.openStore()
        let manifest = try store.resolve(try model.parsed())
        let checkpointMetadata = metadata ? try store.load(manifest).checkpoint.metadata : nil
        if options.json {
            guard let checkpointMetadata else { return try ZooOutput.json(manifest) }
            return try ZooOutput.json(ManifestWithMetadata(manifest: manifest, checkpointMetadata: checkpointMetadata))
        }
        var lines = manifest.describedLines(in: store)
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
}
