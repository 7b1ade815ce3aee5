// `--zoo PATH` for every command of `kac` and `kac-bench` that reads the model store, declared (and
// documented) once so both tools find the same zoo: the flag, else `$KAC_ZOO`, else the installed
// kacd configuration's `zoo`, else `./zoo` (RenderService's `ConfiguredDefaults`).
import ArgumentParser
import Foundation
import Generation
import ModelStore
import RenderService

public struct ZooLocation: ParsableArguments {
    @Option(
        name: .customLong("zoo"),
        help: "Path of the model store (default: $KAC_ZOO, else zoo in /etc/kac/kacd.conf or $KAC_CONFIG, else ./zoo).")
    public var given: String?

    public init() {}

    public var resolved: ConfiguredDefaults.Resolved {
        ConfiguredDefaults.resolve(
            flag: given, flagName: "--zoo", variable: "KAC_ZOO", key: .zoo, fallback: "./zoo",
            environment: ProcessInfo.processInfo.environment, log: Console.note)
    }
    public var path: String { resolved.path }

    /// The store, every model checked on load (Generation's `ZooModelValidator`).
    public func open(create: Bool) throws -> ModelStore {
        try ModelStore(root: path, create: create, configuration: .init(validator: ZooModelValidator()))
    }
}
