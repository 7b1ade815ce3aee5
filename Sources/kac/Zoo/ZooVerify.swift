// `kac zoo verify [REF]`: re-hash every blob, decode every manifest and its weights, check every
// tag; exit status 65 (EX_DATAERR) on damage. With REF, load just that version (the check a reader makes).
import ArgumentParser
import ToolSupport
import Vocabulary

struct ZooVerify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check blobs, manifests and tags; exit 65 if anything is damaged.")

    @OptionGroup var options: ZooOptions
    @Argument(help: "Only load and verify this version (NAME, NAME:TAG, NAME@VERSION, sha256-<prefix>).") var reference: String?

    func run() throws {
        let store = try options.openStore()
        if let reference {
            let loaded = try store.load(try parseArgument(reference, ModelReference.init(parsing:)))
            let summary = VersionOK(
                name: loaded.manifest.name.description, version: loaded.manifest.version,
                blob: loaded.manifest.blob.description, tensors: loaded.checkpoint.tensors.count,
                parameters: loaded.checkpoint.parameterCount)
            if options.json { return try ZooOutput.json(summary) }
            print("ok \(summary.name)@\(summary.version) \(summary.blob): \(summary.tensors) tensors, \(summary.parameters) parameters")
            return
        }
        let report = store.verify()
        if options.json {
            try ZooOutput.json(report)
        } else {
            for problem in report.problems { print("PROBLEM  \(problem)") }
            for blob in report.orphanBlobs {
                print("orphan   \(store.blobPath(blob)) (no manifest references it; `kac zoo gc` removes it)")
            }
            for path in report.strayTemporaryFiles {
                print("stray    \(path) (left by an interrupted write; `kac zoo gc` removes it after the grace period)")
            }
            print(
                "\(report.manifestsChecked) manifests, \(report.blobsChecked) blobs checked: "
                    + (report.isClean ? "ok" : "\(report.problems.count) problem(s)"))
        }
        if !report.isClean { throw ExitCode(ExitStatus.dataError.rawValue) }
    }

    struct VersionOK: Encodable {
        var name: String
        var version: Int
        var blob: String
        var tensors: Int
        var parameters: Int
    }
}

struct ZooGarbageCollect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Delete blobs no manifest references and stale temporary files.")

    @OptionGroup var options: ZooOptions
    @Flag(help: "Only report what would be deleted.") var dryRun = false
    @Option(help: "Keep temporary files younger than this many seconds (they may belong to a running publisher).") var grace: Double = 3600

    func run() throws {
        let store = try options.openStore()
        let report = try store.collectGarbage(dryRun: dryRun, grace: grace)
        if options.json { return try ZooOutput.json(report) }
        let verb = dryRun ? "would remove" : "removed"
        for blob in report.removedBlobs { print("\(verb) \(store.blobPath(blob))") }
        for path in report.removedTemporaryFiles { print("\(verb) \(path)") }
        print(
            "\(verb) \(report.removedBlobs.count) blob(s), \(report.removedTemporaryFiles.count) temporary file(s), "
                + ZooOutput.size(report.bytesFreed))
    }
}
