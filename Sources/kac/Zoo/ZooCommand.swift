// `kac zoo`: manage the on-disk model store (list, show, verify, tag, rollback, rm, gc, export,
// import, add-evaluation, default-dataset, stability). Every subcommand takes `--zoo PATH` and
// `--json`; tables are for people, JSON for scripts. Store errors carry their own fix-it messages and exit with the status
// `ExitStatus` gives them (66 not found, 65 damaged, 69 refused, 64 bad name or reference).
import ArgumentParser
import Foundation
import Generation
import ModelStore
import ToolSupport
import Vocabulary

#if canImport(Glibc)
import Glibc
#endif

struct ZooCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zoo",
        abstract: "Manage the model zoo: published teachers, students and classifiers.",
        subcommands: [
            ZooList.self, ZooShow.self, ZooVerify.self, ZooTag.self, ZooRollback.self, ZooRemove.self,
            ZooGarbageCollect.self, ZooExport.self, ZooImport.self, ZooAddEvaluation.self,
            ZooDefaultDataset.self, ZooStability.self,
        ]
    )
}

struct ZooOptions: ParsableArguments {
    @OptionGroup var location: ZooLocation
    var path: String { location.path }

    @Flag(help: "Print JSON (for scripts) instead of a table.") var json = false

    /// Opens the store; only commands that add models create it.
    func openStore(create: Bool = false) throws -> ModelStore {
        try ModelStore(
            root: path, create: create, configuration: ModelStore.Configuration(faults: Self.crashHook(), validator: ZooModelValidator()))
    }

    /// Test hook for cross-process crash tests: KAC_ZOO_CRASH_AT=<PublishStep> makes this process
    /// die with status 86 at that publishing step, as a power cut would (no cleanup runs).
    private static func crashHook() -> PublishFaults {
        guard let value = ProcessInfo.processInfo.environment["KAC_ZOO_CRASH_AT"],
            let step = PublishStep(rawValue: value)
        else { return .none }
        return PublishFaults { if $0 == step { _exit(86) } }
    }
}

/// The model a zoo subcommand acts on: `NAME`, `NAME:TAG`, `NAME@VERSION` or `sha256-<prefix>`.
struct ModelReferenceArgument: ParsableArguments {
    @Argument(help: "NAME, NAME:TAG, NAME@VERSION or sha256-<prefix>.") var reference: String

    func parsed() throws -> ModelReference { try parseArgument(reference, ModelReference.init(parsing:)) }
}

/// Parses a command-line value into a store type, turning its error into a usage error.
func parseArgument<T>(_ text: String, _ make: (String) throws -> T) throws -> T {
    do { return try make(text) } catch { throw CommandFailure(.usage, cause: error) }
}
