// `kac render` starts libvips without its dynamically loaded format modules (RenderProcess.tune →
// LibvipsModules.skip), unless the operator set VIPSHOME; the files it writes need none of them.
// Checked in child processes, since libvips starts once per process: VIPS_INFO makes libvips log
// each module it loads.
import Foundation
import Imaging
import TestSupport
import Testing

@Suite struct LibvipsModulesTests {
    @Test func kacRenderStartsLibvipsWithoutModulesUnlessVIPSHOMEIsSet() throws {
        let root = TemporaryDirectory(prefix: "kac-vips-modules")
        try TinyModel.publish(into: root.file("zoo"))
        func render(_ out: String, environment: [String: String]) throws -> ProcessResult {
            try ChildProcess.run(
                Binaries.kac, ["render", "--zoo", root.file("zoo"), "--model", "fashion-mnist/teacher", "--count", "2", "--out", root.file(out)],
                environment: environment.merging(["VIPS_INFO": "1"]) { $1 })
        }
        // Empty, not inherited: libvips wrote VIPSHOME into this test process's environment when it started.
        let skipped = try render("skipped", environment: ["VIPSHOME": ""])
        #expect(skipped.status == 0, "\(skipped.error)")
        #expect(names(in: root.file("skipped")).filter { $0.hasSuffix(".png") }.count == 2)
        let log = skipped.output + skipped.error
        #expect(log.contains("VIPS-INFO"), "\(log)")  // the log is there to read
        #expect(!Self.loadsAModule(log), "\(log)")

        // This test process never skips them: when it has them, an operator's VIPSHOME naming the
        // install prefix gives `kac render` them too.
        guard try LibvipsModules.loaded else { return }
        let operatorsChoice = try render("with-modules", environment: ["VIPSHOME": "/usr"])
        #expect(operatorsChoice.status == 0, "\(operatorsChoice.error)")
        #expect(Self.loadsAModule(operatorsChoice.output + operatorsChoice.error))
    }

    /// Whether libvips' VIPS_INFO log shows a module being loaded (`loading ".../vips-modules-8.14/vips-heif.so"`).
    static func loadsAModule(_ log: String) -> Bool {
        log.split(separator: "\n").contains { $0.contains("loading \"") && $0.contains("/vips-modules-") }
    }
}
