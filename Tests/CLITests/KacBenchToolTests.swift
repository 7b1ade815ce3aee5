// `kac-bench` as a developer runs it: the benchmarks that were `kac bench`, `kac render-bench`,
// `kac zoo bench` and `kac peer-dump` answer as `kac-bench [network]`, `render`, `zoo` and
// `peer-dump` with the same options, errors and exit codes, and `kac` no longer has them.
import Foundation
import Testing
import TestSupport

@Suite struct KacBenchToolTests {
    static let bench = ChildProcess.builtProduct("kac-bench")
    static let kac = ChildProcess.builtProduct("kac")

    @Test func zooPrintsOneJSONRowPerDType() throws {
        let result = try ChildProcess.run(Self.bench, ["zoo", "--parameters", "4096", "--repeats", "1", "--json"])
        #expect(result.status == 0, "\(result.error)")
        let rows = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [[String: Any]] ?? []
        #expect(rows.compactMap { $0["dtype"] as? String } == ["f32", "f16"], "\(result.output)")
        #expect(rows.allSatisfy { ($0["parameters"] as? Int) == 4096 }, "\(result.output)")
    }

    /// No subcommand means `network`: its own validation answers, before anything is measured.
    @Test func networkIsTheDefaultSubcommand() throws {
        for arguments in [["--count", "-1"], ["network", "--count", "-1"]] {
            let result = try ChildProcess.run(Self.bench, arguments)
            #expect(result.status == 64, "\(arguments): \(result.status) \(result.error)")
            #expect(result.error.contains("--count must be at least 0"), "\(arguments): \(result.error)")
        }
    }

    /// The end-to-end rows' files go where --scratch says; a path that is not a directory is a
    /// usage error before anything is measured.
    @Test func networkRefusesAScratchThatIsNotADirectory() throws {
        let directory = TemporaryDirectory(prefix: "kac-bench-scratch"), file = directory.path + "/a-file"
        #expect(FileManager.default.createFile(atPath: file, contents: Data("x".utf8)))
        for scratch in ["/nonexistent/kac-bench-scratch", file] {
            let result = try ChildProcess.run(Self.bench, ["network", "--scratch", scratch])
            #expect(result.status == 64, "\(scratch): \(result.status) \(result.error)")
            #expect(result.error.contains("--scratch \(scratch) is not an existing directory"), "\(scratch): \(result.error)")
        }
        withExtendedLifetime(directory) {}
    }

    @Test func renderRefusesBadStepsAsAUsageError() throws {
        let result = try ChildProcess.run(Self.bench, ["render", "--steps", "x", "--zoo", "/nonexistent/zoo"])
        #expect(result.status == 64 && result.error.contains("--steps needs positive integers"), "\(result.status) \(result.error)")
    }

    @Test func peerDumpListsItsOptions() throws {
        let result = try ChildProcess.run(Self.bench, ["peer-dump", "--help"])
        #expect(result.status == 0 && result.output.contains("--checkpoint") && result.output.contains("--bf16"), "\(result.output)")
    }

    @Test func kacNoLongerHasTheBenchmarks() throws {
        for arguments in [["bench"], ["render-bench"], ["peer-dump"], ["zoo", "bench"]] {
            let result = try ChildProcess.run(Self.kac, arguments)
            #expect(
                result.status == 64 && result.error.contains("Unexpected argument"),
                "kac \(arguments.joined(separator: " ")): \(result.status) \(result.error)")
        }
    }
}
