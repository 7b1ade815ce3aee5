// Where `kac` finds the spool and the zoo without flags (ConfiguredDefaults): the flag, else the
// environment, else the kacd configuration file KAC_CONFIG names (read with kacd's parser), else the
// built-in path; an unreadable named file is said through `log` and skipped.
import Foundation
import RenderService
import TestSupport
import Testing

@Suite struct ConfiguredDefaultsTests {
    func resolve(flag: String? = nil, _ environment: [String: String], log: (String) -> Void = { _ in }) -> ConfiguredDefaults.Resolved {
        ConfiguredDefaults.resolve(
            flag: flag, flagName: "--spool", variable: "KAC_SPOOL", key: .spool, fallback: "./spool", environment: environment,
            log: log)
    }

    @Test func firstSourceWins() throws {
        let directory = TemporaryDirectory()
        let file = directory.file("kacd.conf")
        try "# installed\nspool = /srv/kac/spool\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(resolve(flag: "/a", ["KAC_SPOOL": "/b", "KAC_CONFIG": file]) == .init(path: "/a", source: .flag("--spool")))
        #expect(resolve(["KAC_SPOOL": "/b", "KAC_CONFIG": file]) == .init(path: "/b", source: .environment("KAC_SPOOL")))
        #expect(
            resolve(["KAC_SPOOL": "", "KAC_CONFIG": file])
                == .init(path: "/srv/kac/spool", source: .configuration(path: file, line: 2)))
        #expect(resolve(["KAC_CONFIG": ""]) == .init(path: "./spool", source: .builtIn), "KAC_CONFIG set but empty: no file")

        var notes: [String] = []
        let missing = resolve(["KAC_CONFIG": directory.file("missing.conf")]) { notes.append($0) }
        #expect(missing.source == .builtIn && notes.count == 1 && notes[0].hasPrefix("kac: ignoring the configuration file for the default spool: "))
    }
}
