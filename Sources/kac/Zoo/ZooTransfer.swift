// `kac zoo export REF FILE` and `kac zoo import FILE`: one version (manifest + blob) as a single
// verified archive file, for moving models between machines or stores.
import ArgumentParser
import Foundation
import ModelStore
import Vocabulary

struct ZooExport: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export", abstract: "Write one version to an archive file.")

    @OptionGroup var options: ZooOptions

    @Argument(help: "NAME, NAME:TAG, NAME@VERSION or sha256-<prefix>.")
    var reference: String

    @Argument(help: "Archive file to write.")
    var file: String

    func run() throws {
        let store = try options.openStore()
        let manifest = try store.export(try parseArgument(reference, ModelReference.init(parsing:)), to: file)
        if options.json { return try ZooOutput.json(manifest) }
        print("exported \(manifest.name)@\(manifest.version) (\(manifest.blob.short)) to \(file)")
    }
}

struct ZooImport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Verify an archive and publish it as the next version of its name.")

    @OptionGroup var options: ZooOptions

    @Argument(help: "Archive file written by `kac zoo export`.")
    var file: String

    @Option(name: .customLong("tag"), help: "Also set this tag (repeatable); latest moves if this is the newest version.")
    var tags: [String] = []

    func run() throws {
        let store = try options.openStore(create: true)
        let manifest = try store.importArchive(from: file, tags: try tags.map { try parseArgument($0, TagName.init) })
        if options.json { return try ZooOutput.json(manifest) }
        print("imported \(manifest.name)@\(manifest.version) (\(manifest.blob.short))")
    }
}
