// `kacd` as systemd starts it: every setting is checked at its bounds before anything starts, and
// a configuration error — bad flag, bad value, bad file, missing zoo, unusable spool — exits 78
// (EX_CONFIG, which the units exclude from restarts) with exactly one line on stderr. Values in
// bounds are shown by --print-config, which layers defaults < --config file < flags. --version
// of kac and kacd names the version (KacVersion), the commit and the OpenBLAS core.
import Foundation
import TestSupport
import Testing
import Vocabulary

@Suite struct KacdConfigurationTests {
    static let kacd = ChildProcess.builtProduct("kacd")
    static let kac = ChildProcess.builtProduct("kac")
    /// The repository's zoo/ (a real model store) and a scratch spool: start-up checks pass.
    static let repositoryZoo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("zoo").path

    /// (flag, values accepted, values refused): the bounds from docs/operating.md, "kacd settings and the configuration file".
    static let bounds: [(flag: String, accepted: [String], refused: [String])] = [
        ("poll-interval", ["0.01", "3600"], ["0", "0.009", "3600.5", "-1", "abc", "nan", "inf"]),
        ("lease-timeout", ["0.1", "86400"], ["0.09", "86401", "-5"]),
        ("settle-period", ["0", "3600"], ["-0.5", "3601"]),
        ("max-attempts", ["1", "1000"], ["0", "1001", "2.5"]),
        ("model-cache-mb", ["0", "1048576"], ["-1", "1048577", "99999999999999999999"]),
        ("batch-size", ["1", "1024"], ["0", "1025"]),
        ("max-count", ["1", "100000"], ["0", "100001", "-3"]),
        ("max-scale", ["1", "64"], ["0", "65"]),
        ("max-steps", ["1", "100000"], ["0", "100001"]),
        ("max-file-size", ["1024", "16777216"], ["0", "1023", "16777217"]),
        ("max-priority", ["-1000", "1000"], ["-1001", "1001", "x"]),
        ("max-work", ["1", "10000000000"], ["0", "10000000001", "-2"]),
        ("job-time-limit", ["1s", "30d", "2h"], ["0", "0.5s", "31d", "soon", ""]),
        ("threads", ["1", "1024", "auto"], ["0", "1025", "all"]),
        ("workers", ["1", "1024", "auto"], ["0", "1025", "all"]),
        ("log-level", ["trace", "critical"], ["verbose", ""]),
        // bf16 is accepted exactly where the CPU has it (the refusal is checked in bf16IsCheckedAgainstTheCPU).
        ("precision", ["fp32", "auto"] + (cpuHasBF16 ? ["bf16"] : []), ["fp16", "BF16", ""]),
        ("prune-older-than", ["7d", "36h", "90s", "off"], ["7x", "-1d", "3651d", ""]),
        ("prune-keep", ["0", "10000000", "all"], ["-1", "10000001", "x"]),
        (
            "worker-id", ["w", String(repeating: "a", count: 64), "host-1.example:2@x_y"],
            ["", String(repeating: "a", count: 65), "a/b", "a b"]
        ),
        ("spool", ["/var/spool/kac"], [""]),
        ("zoo", ["/var/lib/kac/zoo"], [""]),
    ]

    /// Asserts exit 78 and one stderr line that starts with `prefix`.
    static func expectConfigurationError(_ arguments: [String], _ prefix: String, sourceLocation: SourceLocation = #_sourceLocation) throws
    {
        let result = try ChildProcess.run(kacd, arguments)
        let lines = result.error.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(result.status == 78, "\(arguments): exit \(result.status), stderr \(result.error)", sourceLocation: sourceLocation)
        #expect(lines.count == 1 && lines.first?.hasPrefix(prefix) == true, "\(arguments): \(result.error)", sourceLocation: sourceLocation)
        #expect(result.output.isEmpty, sourceLocation: sourceLocation)
    }

    @Test func everyFlagIsCheckedAtItsBounds() throws {
        for (flag, accepted, refused) in Self.bounds {
            for value in accepted {
                let result = try ChildProcess.run(Self.kacd, ["--print-config", "--\(flag)", value])
                #expect(result.status == 0, "--\(flag) \(value) must be accepted: \(result.error)")
                let shown =
                    flag == "worker-id" || flag == "threads" || flag == "workers" || flag == "log-level" || flag == "spool" || flag == "zoo"
                        || flag == "job-time-limit"
                    ? value : String(Double(value).map { $0 == $0.rounded() ? String(Int($0)) : String($0) } ?? value)
                #expect(result.output.contains("\n\(flag) = \(shown)\n"), "--\(flag) \(value):\n\(result.output)")
            }
            for value in refused {
                try Self.expectConfigurationError(
                    ["--print-config", "--\(flag)", value], "kacd: configuration error: --\(flag) \(value): ")
            }
        }
    }

    /// The kernel's view of the CPU (the daemon reads cpuid; both must agree on Linux).
    static let cpuHasBF16: Bool = {
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        return info.split(separator: "\n").first { $0.hasPrefix("flags") }?.split(separator: " ").contains("avx512_bf16") ?? false
    }()

    @Test func bf16IsCheckedAgainstTheCPU() throws {
        if Self.cpuHasBF16 {
            let result = try ChildProcess.run(Self.kacd, ["--print-config", "--precision", "bf16"])
            #expect(result.status == 0 && result.output.contains("\nprecision = bf16\n"), "\(result.error)")
        } else {
            try Self.expectConfigurationError(
                ["--print-config", "--precision", "bf16"], "kacd: configuration error: --precision bf16: precision bf16 needs a CPU with AVX512_BF16")
        }
        let defaults = try ChildProcess.run(Self.kacd, ["--print-config"])
        #expect(defaults.output.contains("\nprecision = fp32\n"), "\(defaults.output)")
    }

    @Test func theIssuesCrashLoopsExit78BeforeStarting() throws {
        let spool = TemporaryDirectory(prefix: "kacd-config-spool")
        let base = ["--once", "--spool", spool.path, "--zoo", Self.repositoryZoo]
        for flag in ["max-count", "max-scale", "max-steps", "max-file-size"] {
            try Self.expectConfigurationError(base + ["--\(flag)", "0"], "kacd: configuration error: --\(flag) 0: out of range")
        }
        try Self.expectConfigurationError(
            ["--once", "--spool", spool.path, "--zoo", "/nonexistent"], "kacd: cannot start: zoo /nonexistent: ")
        let file = spool.file("a-file")
        #expect(FileManager.default.createFile(atPath: file, contents: Data("x".utf8)))
        try Self.expectConfigurationError(["--once", "--spool", file, "--zoo", Self.repositoryZoo], "kacd: cannot start: spool \(file): ")
        try Self.expectConfigurationError(["--bogus"], "kacd: Unknown option '--bogus'")
        try Self.expectConfigurationError(["--max-count"], "kacd: Missing value for '--max-count")
        // In bounds, the same start-up drains an empty spool and exits 0.
        let drained = try ChildProcess.run(Self.kacd, base + ["--max-count", "1"])
        #expect(drained.status == 0, "\(drained.error)")
    }

    @Test func theConfigurationFileHasTheFlagsKeysAndFlagsOverrideIt() throws {
        let directory = TemporaryDirectory(prefix: "kacd-config-file")
        let path = directory.file("kacd.conf")
        try """
        # comment
        spool = /srv/spool
          max-count = 64
        threads = 2

        no-inotify = true
        worker-id = from-file
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try ChildProcess.run(Self.kacd, ["--config", path, "--worker-id", "from-flag", "--print-config"])
        #expect(result.status == 0, "\(result.error)")
        for line in ["spool = /srv/spool", "max-count = 64", "threads = 2", "no-inotify = true", "worker-id = from-flag", "zoo = ./zoo"] {
            #expect(result.output.contains("\n" + line + "\n"), "\(line) in\n\(result.output)")
        }
        // The printed configuration is itself a configuration file that reproduces it.
        let printed = directory.file("printed.conf")
        try result.output.write(toFile: printed, atomically: true, encoding: .utf8)
        let again = try ChildProcess.run(Self.kacd, ["--config", printed, "--print-config"])
        let settings = { (text: String) in text.split(separator: "\n").filter { !$0.hasPrefix("#") } }
        #expect(again.status == 0 && settings(again.output) == settings(result.output), "\(again.error)")

        for (text, message) in [
            ("max-count = 0", "\(path) line 2 (max-count = 0): out of range"),
            ("bogus = 1", "\(path) line 2: unknown key \"bogus\""),
            ("max-count 5", "\(path) line 2: expected key = value"),
            ("max-count = 5\nmax-count = 6", "\(path) line 3: max-count is set again (first on line 2)"),
            ("config = other.conf", "\(path) line 2: unknown key \"config\""),
        ] {
            try ("# kacd\n" + text + "\n").write(toFile: path, atomically: true, encoding: .utf8)
            try Self.expectConfigurationError(["--config", path, "--print-config"], "kacd: configuration error: \(message)")
        }
        try Self.expectConfigurationError(
            ["--config", directory.file("missing.conf")], "kacd: configuration error: \(directory.file("missing.conf")): cannot read")
    }

    /// A file with several mistakes reports all of them, one line each, in line order; an unknown
    /// key gets the nearest known one; seconds take the units prune-older-than takes.
    @Test func everyMistakeOfAFileIsReportedAndSecondsTakeUnits() throws {
        let directory = TemporaryDirectory(prefix: "kacd-config-all")
        let path = directory.file("kacd.conf")
        try "poll-intervall = 5\nmax-count = 0\nthreads 2\nlease-timeout = 2m\nmax-count = 7\n".write(toFile: path, atomically: true, encoding: .utf8)
        let result = try ChildProcess.run(Self.kacd, ["--config", path, "--print-config"])
        let lines = result.error.split(separator: "\n").map(String.init)
        #expect(result.status == 78 && result.output.isEmpty, "\(result.status) \(result.error)")
        let expected = [
            "kacd: configuration error: \(path) line 1: unknown key \"poll-intervall\"; did you mean poll-interval? the keys are spool, zoo,",
            "kacd: configuration error: \(path) line 2 (max-count = 0): out of range; give images per job in 1…100000",
            "kacd: configuration error: \(path) line 3: expected key = value, found \"threads 2\"",
            "kacd: configuration error: \(path) line 5: max-count is set again (first on line 2); keep one",
        ]
        #expect(lines.count == expected.count && zip(lines, expected).allSatisfy { $0.hasPrefix($1) }, "\(result.error)")

        try "poll-interval = 5s\nlease-timeout = 2m\nsettle-period = 0.5\n".write(toFile: path, atomically: true, encoding: .utf8)
        let units = try ChildProcess.run(Self.kacd, ["--config", path, "--print-config"])
        #expect(units.status == 0, "\(units.error)")
        for line in ["poll-interval = 5", "lease-timeout = 120", "settle-period = 0.5"] {
            #expect(units.output.contains("\n" + line + "\n"), "\(line) in\n\(units.output)")
        }
        try Self.expectConfigurationError(["--poll-interval", "2h"], "kacd: configuration error: --poll-interval 2h: out of range; give seconds in 0.01…3600")
    }

    @Test func bothToolsReportVersionCommitAndBLASCore() throws {
        for (tool, path) in [("kac", Self.kac), ("kacd", Self.kacd)] {
            let result = try ChildProcess.run(path, ["--version"])
            let lines = result.output.split(separator: "\n").map(String.init)
            #expect(result.status == 0, "\(tool) --version: \(result.error)")
            #expect(lines.count == 3 && lines.first == "\(tool) \(KacVersion.version)", "\(result.output)")
            #expect(lines.dropFirst().first?.hasPrefix("commit: ") == true && lines.last?.hasPrefix("OpenBLAS core: ") == true)
        }
        #expect(KacVersion.software == "kac \(KacVersion.version)")
        let help = try ChildProcess.run(Self.kacd, ["--help"])
        #expect(help.status == 0 && help.output.contains("--print-config") && help.output.contains("78"))
    }
}
