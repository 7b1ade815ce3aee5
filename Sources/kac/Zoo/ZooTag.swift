// `kac zoo tag REF TAG`, `kac zoo rollback NAME [--tag T]` and `kac zoo rm NAME@VERSION`:
// moving tags (recorded in the model's tag history) and removing versions.
import ArgumentParser
import ToolSupport
import Vocabulary

struct ZooTag: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tag", abstract: "Point TAG at the version REF names.")

    @OptionGroup var options: ZooOptions
    @OptionGroup var model: ModelReferenceArgument
    @Argument(help: "The tag to move, e.g. stable.") var tag: String

    func run() throws {
        let store = try options.openStore()
        let tagName = try parseArgument(tag, TagName.init)
        let manifest = try store.tag(try model.parsed(), as: tagName)
        if options.json { return try ZooOutput.json(["name": manifest.name.description, "tag": tag, "version": String(manifest.version)]) }
        print("\(manifest.name):\(tag) -> \(manifest.name)@\(manifest.version)")
    }
}

struct ZooRollback: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback", abstract: "Move a tag back to its previous target (from the tag history).")

    @OptionGroup var options: ZooOptions
    @Argument(help: "Model name, e.g. fashion-mnist/teacher.") var name: String
    @Option(help: "The tag to move back.") var tag = "latest"

    func run() throws {
        let store = try options.openStore()
        let modelName = try parseArgument(name, ModelName.init)
        let moved = try store.rollback(modelName, tag: try parseArgument(tag, TagName.init))
        if options.json { return try ZooOutput.json(["name": name, "tag": tag, "from": String(moved.from), "to": String(moved.to)]) }
        print("\(name):\(tag) \(moved.from) -> \(moved.to)")
    }
}

struct ZooRemove: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm", abstract: "Remove one version (its blob goes at the next gc).")

    @OptionGroup var options: ZooOptions
    @Argument(help: "NAME@VERSION.") var reference: String
    @Flag(help: "Remove even if tags point at it (those tags are dropped).") var force = false

    func run() throws {
        let store = try options.openStore()
        guard case let .version(name, version) = try parseArgument(reference, ModelReference.init(parsing:)) else {
            throw ValidationError("rm needs an exact NAME@VERSION, got \(reference)")
        }
        try store.remove(name, version: version, force: force)
        if options.json { return try ZooOutput.json(["removed": reference]) }
        print("removed \(reference); run `kac zoo gc` to free its blob")
    }
}
