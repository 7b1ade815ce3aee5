// Child processes for cross-process tests (crashes, concurrency, CLI output): the built `kac` and
// `kacd` products, or any program. Output is collected through pipes that are drained before the
// wait, so a chatty child cannot block on a full pipe.
import Foundation

/// How a child process ended, with everything it wrote.
public struct ProcessResult: Sendable {
    public var status: Int32
    public var output: String
    public var error: String
}

/// A started child whose output pipes are still open.
public struct RunningProcess {
    public let process: Process
    let output: Pipe
    let error: Pipe

    public var pid: Int32 { process.processIdentifier }

    public func wait() -> ProcessResult {
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return ProcessResult(
            status: process.terminationStatus, output: String(decoding: out, as: UTF8.self),
            error: String(decoding: err, as: UTF8.self))
    }
}

public struct MissingExecutable: Error, CustomStringConvertible {
    public let path: String
    public init(path: String) { self.path = path }
    public var description: String { "\(path) is not an executable file; build the package first (swift build)" }
}

public enum ChildProcess {
    /// `.build/<configuration>/<name>`: `swift test` builds every product beside the test bundle
    /// (fallback: the release build, found from this file's path).
    public static func builtProduct(_ name: String) -> String {
        let besideBundle = (CommandLine.arguments[0] as NSString).deletingLastPathComponent + "/" + name
        if FileManager.default.isExecutableFile(atPath: besideBundle) { return besideBundle }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return root.path + "/.build/release/" + name
    }

    /// Starts `path` with `arguments`; `environment` is added to (and overrides) this process's.
    public static func start(_ path: String, _ arguments: [String], environment: [String: String] = [:]) throws -> RunningProcess {
        guard FileManager.default.isExecutableFile(atPath: path) else { throw MissingExecutable(path: path) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = Pipe(), error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        return RunningProcess(process: process, output: output, error: error)
    }

    /// Runs `path` with `arguments` to completion.
    public static func run(_ path: String, _ arguments: [String], environment: [String: String] = [:]) throws -> ProcessResult {
        try start(path, arguments, environment: environment).wait()
    }
}
