// `kac submit` refuses what no worker could run, as `lp` refuses a destination that does not exist:
// a spool that does not exist (unless --create), a model the zoo lacks (with the nearest name), a
// label the model lacks; a zoo it cannot read only earns a warning. And `kac` finds the spool and
// zoo without flags: $KAC_SPOOL / $KAC_ZOO, then the kacd configuration file ($KAC_CONFIG here,
// /etc/kac/kacd.conf on an installed machine), then ./spool and ./zoo; `kac status` names the source.
import Foundation
import TestSupport
import Testing

@Suite struct SubmitChecksTests {
    static let kac = ChildProcess.builtProduct("kac")
    static let zoo = KacdConfigurationTests.repositoryZoo

    func kac(_ arguments: [String], environment: [String: String] = [:]) throws -> ProcessResult {
        // An empty KAC_CONFIG path stands for "no configuration file" unless a test sets one.
        try ChildProcess.run(Self.kac, arguments, environment: ["KAC_SPOOL": "", "KAC_ZOO": "", "KAC_CONFIG": ""].merging(environment) { $1 })
    }

    func queued(_ spool: String) -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: spool + "/new")) ?? []).sorted() }

    @Test func aMissingSpoolIsRefusedUnlessCreateIsGiven() throws {
        let directory = TemporaryDirectory(prefix: "submit-spool")
        let spool = directory.path + "/spoool"
        let refused = try kac(["submit", "--quality", "fastest", "--spool", spool])
        #expect(refused.status == 66 && refused.error.contains("there is no spool at \(spool)"), "\(refused.status) \(refused.error)")
        #expect(refused.error.contains("--create"), "\(refused.error)")
        #expect(!FileManager.default.fileExists(atPath: spool), "a refused submit created the spool")
        let created = try kac(["submit", "--quality", "fastest", "--spool", spool, "--create", "--id", "a"])
        #expect(created.status == 0 && queued(spool) == ["a.json"], "\(created.error)")
        // An existing, still empty directory (install.sh makes one before kacd first runs) is a spool.
        let empty = directory.path + "/installed"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: false)
        #expect(try kac(["submit", "--quality", "fastest", "--spool", empty, "--id", "b"]).status == 0 && queued(empty) == ["b.json"])
    }

    @Test func anUnknownModelOrLabelIsRefusedAndAnUnreadableZooWarns() throws {
        let spool = TemporaryDirectory(prefix: "submit-model")
        let base = ["submit", "--spool", spool.path, "--zoo", Self.zoo, "--count", "2"]
        let typo = try kac(base + ["--model", "fashion-mnist/studnt-1"])
        #expect(typo.status == 66 && typo.error.contains("did you mean fashion-mnist/student-1?"), "\(typo.status) \(typo.error)")
        let version = try kac(base + ["--model", "fashion-mnist/student-1@99"])
        #expect(version.status == 66 && version.error.contains("student-1@99"), "\(version.status) \(version.error)")
        let label = try kac(base + ["--model", "fashion-mnist/student-1", "--labels", "sneaker,unicorn"])
        #expect(label.status == 64 && label.error.contains("unicorn") && label.error.contains("ankle-boot"), "\(label.status) \(label.error)")
        let index = try kac(base + ["--model", "fashion-mnist/student-1", "--labels", "10"])
        #expect(index.status == 64, "\(index.status) \(index.error)")
        #expect(queued(spool.path).isEmpty, "refused jobs were queued: \(queued(spool.path))")

        let good = try kac(base + ["--model", "fashion-mnist/student-1", "--labels", "Sneaker,9", "--id", "good"])
        #expect(good.status == 0 && good.error.isEmpty, "\(good.status) \(good.error)")
        let unchecked = try kac(["submit", "--spool", spool.path, "--zoo", spool.path + "/no-zoo", "--model", "any/model", "--id", "unchecked"])
        #expect(unchecked.status == 0 && unchecked.error.contains("warning: model any/model was not checked"), "\(unchecked.error)")
        #expect(queued(spool.path) == ["good.json", "unchecked.json"])
    }

    @Test func defaultsComeFromTheEnvironmentThenTheConfigurationFile() throws {
        let directory = TemporaryDirectory(prefix: "submit-defaults")
        let (fromFile, fromEnvironment, fromFlag) = (directory.path + "/file", directory.path + "/env", directory.path + "/flag")
        for spool in [fromFile, fromEnvironment, fromFlag] {
            try FileManager.default.createDirectory(atPath: spool, withIntermediateDirectories: false)
        }
        let config = directory.path + "/kacd.conf"
        try Data("# installed\nspool = \(fromFile)\nzoo = \(Self.zoo)\n".utf8).write(to: URL(fileURLWithPath: config))

        let viaFile = try kac(["submit", "--model", "fashion-mnist/studnt-1"], environment: ["KAC_CONFIG": config])
        #expect(viaFile.status == 66 && viaFile.error.contains("did you mean"), "the zoo of the file was used: \(viaFile.error)")
        #expect(try kac(["submit", "--quality", "fastest", "--id", "f"], environment: ["KAC_CONFIG": config]).status == 0)
        #expect(queued(fromFile) == ["f.json"])
        let status = try kac(["status"], environment: ["KAC_CONFIG": config])
        #expect(status.output.hasPrefix("spool: \(fromFile) (from \(config) line 2)\n"), "\(status.output)")

        let environment = ["KAC_CONFIG": config, "KAC_SPOOL": fromEnvironment]
        #expect(try kac(["submit", "--quality", "fastest", "--id", "e"], environment: environment).status == 0)
        #expect(queued(fromEnvironment) == ["e.json"])
        #expect(try kac(["status"], environment: environment).output.hasPrefix("spool: \(fromEnvironment) (from $KAC_SPOOL)\n"))
        #expect(try kac(["submit", "--quality", "fastest", "--id", "g", "--spool", fromFlag], environment: environment).status == 0)
        #expect(queued(fromFlag) == ["g.json"])
        #expect(try kac(["status", "--spool", fromFlag], environment: environment).output.hasPrefix("spool: \(fromFlag) (from --spool)\n"))

        // A broken configuration file is named on stderr and ignored; the built-in default applies.
        try Data("spool = \(fromFile)\nspoool = x\n".utf8).write(to: URL(fileURLWithPath: config))
        let broken = try kac(["status"], environment: ["KAC_CONFIG": config])
        #expect(broken.error.contains("ignoring the configuration file") && broken.error.contains("did you mean spool?"), "\(broken.error)")
    }
}
