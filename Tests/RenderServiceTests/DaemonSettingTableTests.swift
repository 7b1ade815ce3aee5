// kacd's settings are described once (DaemonSetting.all): every row round-trips through a flag, a
// configuration-file line and --print-config to the same typed value; every field of DaemonSettings
// is filled by exactly one row; the command line's flags are split from ArgumentParser's own options
// as kacd relies on; and docs/operating.md carries the table the rows generate (regenerate with
// scripts/settings-table.sh after adding a setting). The refusals' sentences are asserted against
// the built kacd in CLITests' KacdConfigurationTests.
import Foundation
import RenderService
import Testing

@Suite struct DaemonSettingTableTests {
    /// One value in bounds and different from the default, per setting (a new setting needs one here).
    static let samples: [String: String] = [
        "spool": "/srv/spool", "zoo": "/srv/zoo", "worker-id": "host-1.example:2@x_y", "poll-interval": "0.5",
        "no-inotify": "true", "lease-timeout": "90", "settle-period": "0", "max-attempts": "7", "model-cache-mb": "64",
        "batch-size": "4", "max-count": "100000", "max-scale": "2", "max-steps": "17", "max-file-size": "1024",
        "max-priority": "-5", "max-work": "10000000000", "job-time-limit": "90m", "threads": "3", "workers": "2", "precision": "auto",
        "log-level": "debug", "once": "true", "prune-older-than": "12h", "prune-keep": "0",
    ]

    @Test func namesAreUniqueAndEveryRowHasASampleAndASentence() {
        let names = DaemonSetting.all.map(\.name)
        #expect(Set(names).count == names.count, "\(names)")
        #expect(Set(names) == Set(Self.samples.keys), "rows \(names) vs samples \(Self.samples.keys.sorted())")
        for setting in DaemonSetting.all {
            #expect(setting.help.hasSuffix(".") && !setting.help.contains("default"), "\(setting): \(setting.help)")
        }
    }

    @Test func everyRowRoundTripsThroughFlagFileAndPrintedConfiguration() throws {
        for setting in DaemonSetting.all {
            let value = try #require(Self.samples[setting.name])
            let arguments = setting.takesValue ? ["--\(setting.name)", value] : ["--\(setting.name)"]
            var fromFlag = DaemonSettings()
            try fromFlag.apply(flags: try DaemonSettings.flags(in: arguments).flags)
            var fromFile = DaemonSettings()
            try fromFile.apply(file: "\(setting.name) = \(value)\n", path: "test.conf")
            #expect(fromFlag == fromFile, "\(setting)")
            #expect(fromFlag != DaemonSettings(), "\(setting) = \(value) is the default; pick another sample")
            // Printed, the value reads back as the same value, alone and in the whole printed file.
            var reread = DaemonSettings()
            try setting.set(setting.text(in: fromFlag), in: &reread, origin: "reread")
            #expect(reread == fromFlag, "\(setting): printed \(setting.text(in: fromFlag))")
            var whole = DaemonSettings()
            try whole.apply(file: fromFlag.fileText(header: ["printed"]), path: "printed.conf")
            #expect(whole == fromFlag, "\(setting)")
        }
        #expect(DaemonSetting.all.map { $0.text(in: DaemonSettings()) } == DaemonSetting.all.map(\.defaultText))
    }

    /// Each row changes exactly one stored field, and every field is changed by a row: a field added
    /// to DaemonSettings without a row (a setting kacd cannot be given) fails here.
    @Test func everyFieldHasExactlyOneRow() throws {
        let fields = { (settings: DaemonSettings) in
            Mirror(reflecting: settings).children.map { ($0.label ?? "?", String(describing: $0.value)) }
        }
        let defaults = fields(DaemonSettings())
        var covered: Set<String> = []
        for setting in DaemonSetting.all {
            var changed = DaemonSettings()
            try setting.set(try #require(Self.samples[setting.name]), in: &changed, origin: "sample")
            let differing = zip(defaults, fields(changed)).filter { $0.1 != $1.1 }.map(\.0.0)
            #expect(differing.count == 1, "\(setting) changes \(differing)")
            #expect(covered.insert(differing.first ?? "").inserted, "\(setting) changes \(differing), already covered")
        }
        #expect(covered == Set(defaults.map(\.0)), "fields without a setting: \(Set(defaults.map(\.0)).subtracting(covered))")
    }

    @Test func flagsAreSplitFromTheCommandsOwnOptions() throws {
        let (flags, rest) = try DaemonSettings.flags(
            in: [
                "--max-priority", "-5", "--print-config", "--config", "--spool", "--once", "--zoo=/z", "--bogus", "--max-count", "9", "--",
                "--threads",
            ],
            otherOptionsWithValues: ["--config"])
        #expect(flags.map(\.origin) == ["--max-priority -5", "--once true", "--zoo /z", "--max-count 9"])
        #expect(rest == ["--print-config", "--config", "--spool", "--bogus", "--", "--threads"])
        #expect(throws: DaemonArgumentError(message: "Missing value for '--max-count <n>'")) {
            try DaemonSettings.flags(in: ["--max-count"])
        }
        #expect(throws: DaemonArgumentError(message: "--once takes no value, found '--once=yes'")) {
            try DaemonSettings.flags(in: ["--once=yes"])
        }
        // The last of a repeated flag wins; a bad one names itself as the flag was written.
        var settings = DaemonSettings()
        try settings.apply(flags: try DaemonSettings.flags(in: ["--max-count", "5", "--max-count", "6"]).flags)
        #expect(settings.maxCount == 6)
        #expect(throws: DaemonSettingsError(origin: "--max-count 0", message: "out of range; give images per job in 1…100000")) {
            try settings.apply(flags: try DaemonSettings.flags(in: ["--max-count=0"]).flags)
        }
    }

    /// docs/operating.md's table is the generated one; after adding or changing a setting, run
    /// scripts/settings-table.sh.
    @Test func theDocsTableIsTheGeneratedOne() throws {
        let page = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/operating.md")
        let text = try String(contentsOf: page, encoding: .utf8)
        let begin = try #require(text.range(of: DaemonSettings.markdownBegin + "\n"), "no begin marker in \(page.path)")
        let end = try #require(text.range(of: DaemonSettings.markdownEnd, range: begin.upperBound..<text.endIndex))
        #expect(
            String(text[begin.upperBound..<end.lowerBound]) == DaemonSettings.markdownTable,
            "docs/operating.md's settings table is stale: run scripts/settings-table.sh")
    }
}
