// `kac zoo`: manage the on-disk model store (list, show, verify, tag, rollback, rm, gc, export,
// import, add-evaluation, bench, default-dataset). Every subcommand takes `--zoo PATH` (default
// ./zoo) and `--json`; tables are for people, JSON for scripts. Store errors carry their own fix-it messages and exit with the status
// `ExitStatus` gives them (66 not found, 65 damaged, 69 refused, 64 bad name or reference).
import ArgumentParser
import Foundation
import Generation
import ModelStore
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
            ZooGarbageCollect.self, ZooExport.self, ZooImport.self, ZooAddEvaluation.self, ZooBench.self,
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

enum ZooOutput {
    static func json(_ value: some Encodable) throws { print(try Console.json(value), terminator: "") }

    /// Left-aligned columns separated by two spaces; headers in bold only on a terminal.
    static func table(_ header: [String], _ rows: [[String]]) {
        var widths = header.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        let bold = isatty(STDOUT_FILENO) != 0
        print(bold ? "\u{1B}[1m" + line(header) + "\u{1B}[0m" : line(header))
        for row in rows { print(line(row)) }
    }

    static func size(_ bytes: Int) -> String { ModelManifest.size(bytes) }

    static func date(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: date)
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
