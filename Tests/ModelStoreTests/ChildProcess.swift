// Runs the built `kac` binary as a child process, for cross-process tests (crashes, concurrency,
// CLI output). `swift test` builds every product, so kac sits next to the test bundle.
import Foundation
import Testing

struct ProcessResult {
    var status: Int32
    var output: String
    var error: String
}

enum Kac {
    /// Path of `.build/<configuration>/kac`, next to the test bundle (fallback: from this file's path).
    static var executable: String {
        let besideBundle = (CommandLine.arguments[0] as NSString).deletingLastPathComponent + "/kac"
        if FileManager.default.isExecutableFile(atPath: besideBundle) { return besideBundle }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.path + "/.build/release/kac"
    }

    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> ProcessResult {
        try start(executable, arguments, environment: environment).wait()
    }

    /// Starts `/bin/sh -c script` with `$KAC` set to the kac binary.
    static func shell(_ script: String) throws -> RunningProcess {
        try start("/bin/sh", ["-c", script], environment: ["KAC": executable])
    }

    static func start(_ path: String, _ arguments: [String], environment: [String: String]) throws -> RunningProcess {
        #expect(FileManager.default.isExecutableFile(atPath: executable), "build kac first: swift build -c release")
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
}

struct RunningProcess {
    let process: Process
    let output: Pipe
    let error: Pipe

    func wait() -> ProcessResult {
        // Drain both pipes before waiting, so a chatty child cannot block on a full pipe.
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return ProcessResult(status: process.terminationStatus, output: String(decoding: out, as: UTF8.self),
                             error: String(decoding: err, as: UTF8.self))
    }
}
