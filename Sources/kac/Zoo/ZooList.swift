// `kac zoo list` and `kac zoo show REF`: what the store holds, as a table or JSON.
import ArgumentParser
import Foundation
import ModelStore
import ToolSupport

struct ZooList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List every model version.")

    @OptionGroup var options: ZooOptions

    func run() throws {
        let rows = try options.openStore().listing()
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
