// `kac zoo export REF FILE` and `kac zoo import FILE`: one version (manifest + blob) as a single
// verified archive file, for moving models between machines or stores.
import ArgumentParser
import Foundation
import ModelStore
import ToolSupport
import Vocabulary

struct ZooExport: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export", abstract: "Write one version to an archive file.")

    @OptionGroup var options: ZooOptions
    @OptionGroup var model: ModelReferenceArgument
    @Argument(help: "Archive file to write.") var file: String

    func run() throws {
        let store = try options.openStore()
        let manifest = try store.export(try model.parsed(), to: file)
        if options.json { return try ZooOutput.json(manifest) }
        print("exported \(manifest.name)@\(manifest.version) (\(manifest.blob.short)) to \(file)")
    }
}

struct ZooImport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Verify an archive and publish it as the next version of its name.")

    @OptionGroup var options: ZooOptions
    @Argument(help: "Archive file written by `kac zoo export`.") var file: String

    @Option(name: .customLong("tag"), help: "Also set this tag (repeatable); latest moves if this is the newest version.")
    var tags: [String] = []

    func run() throws {
        let tagNames = try tags.map { try parseArgument($0, TagName.init) }
        guard FileManager.default.fileExists(atPath: file) else {
            throw ModelStoreError.fileNotFound(path: file, what: "archive")  // before creating a store
        }
        let store = try options.openStore(create: true)
        let result = try store.importModel(from: file, tags: tagNames)
        let manifest = result.manifest
        if options.json { return try ZooOutput.json(manifest) }
        if result.repairedBlob { print("repaired blob \(manifest.blob) (the store's copy failed its digest; replaced from \(file))") }
        if result.isNewVersion {
            print("imported \(manifest.name)@\(manifest.version) (\(manifest.blob.short))")
        } else {
            print("already present as \(manifest.name)@\(manifest.version) (\(manifest.blob.short)); no version added")
        }
    }
}
