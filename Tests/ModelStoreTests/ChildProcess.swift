// The built `kac` binary as a child process, for cross-process tests (crashes, concurrency, CLI
// output), on top of TestSupport's ChildProcess.
import Foundation
import TestSupport

enum Kac {
    static var executable: String { ChildProcess.builtProduct("kac") }

    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> ProcessResult {
        try ChildProcess.run(executable, arguments, environment: environment)
    }

    /// Starts `/bin/sh -c script` with `$KAC` set to the kac binary.
    static func shell(_ script: String) throws -> RunningProcess {
        guard FileManager.default.isExecutableFile(atPath: executable) else { throw MissingExecutable(path: executable) }
        return try ChildProcess.start("/bin/sh", ["-c", script], environment: ["KAC": executable])
    }
}
