// Where `kac` finds the spool and the zoo when no `--spool` / `--zoo` says, first match wins:
// the environment (`KAC_SPOOL`, `KAC_ZOO`), then the installed kacd configuration file — the one the
// service reads, `/etc/kac/kacd.conf`, or the file `KAC_CONFIG` names — read with kacd's own
// parser (`KAC_CONFIG=` empty: no file), then `./spool` and `./zoo`. So on an installed machine `kac status` and `kac submit` talk
// to the running service without flags. `kac status` says which source it used. The caller passes
// the environment: a library reads none itself.
import Foundation
import Vocabulary

public enum ConfiguredDefaults {
    /// The file `systemd/install.sh` installs and both units pass to kacd.
    public static let installedConfiguration = "/etc/kac/kacd.conf"

    /// Where a path came from.
    public enum Source: Equatable, Sendable, CustomStringConvertible {
        case flag(String)
        case environment(String)
        case configuration(path: String, line: Int)
        case builtIn

        public var description: String {
            switch self {
            case .flag(let name): "from \(name)"
            case .environment(let name): "from $\(name)"
            case .configuration(let path, let line): "from \(path) line \(line)"
            case .builtIn: "the default; no --spool/--zoo, $KAC_SPOOL/$KAC_ZOO or \(installedConfiguration) set it"
            }
        }
    }

    /// A resolved path and its source.
    public struct Resolved: Equatable, Sendable {
        public let path: String
        public let source: Source

        public init(path: String, source: Source) {
            self.path = path
            self.source = source
        }
    }

    /// `flag` if given, else `environment[variable]`, else the configuration file's `key`, else
    /// `fallback`; `log` hears why a configuration file that exists was ignored.
    public static func resolve(
        flag: String?, flagName: String, variable: String, key: DaemonSetting, fallback: String,
        environment: [String: String], log: (String) -> Void
    ) -> Resolved {
        if let flag { return Resolved(path: flag, source: .flag(flagName)) }
        if let value = environment[variable], !value.isEmpty { return Resolved(path: value, source: .environment(variable)) }
        // KAC_CONFIG names the file; set but empty, it means none.
        let named = environment["KAC_CONFIG"]
        if named != "", let entry = configurationEntry(key, file: named ?? installedConfiguration, required: named != nil, log: log) {
            return Resolved(path: entry.value, source: .configuration(path: named ?? installedConfiguration, line: entry.line))
        }
        return Resolved(path: fallback, source: .builtIn)
    }

    /// The file's entry for `key`. A missing installed file is normal (not installed); a file that
    /// exists but cannot be read or parsed is said on stderr, once per key, and then ignored.
    private static func configurationEntry(
        _ key: DaemonSetting, file: String, required: Bool, log: (String) -> Void
    ) -> DaemonSettings.FileEntry? {
        guard required || FileManager.default.fileExists(atPath: file) else { return nil }
        do {
            return try DaemonSettings.entries(ofFile: try DaemonSettings.readFile(at: file), path: file).first { $0.key == key }
        } catch {
            log("\(Reason("kac: ignoring the configuration file for the default \(key.name)", cause: error))")
            return nil
        }
    }
}
