// The built `kac` and `kacd` under the restriction systemd's MemoryDenyWriteExecute=yes imposes,
// emulated with prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN) in a perl wrapper that then execs the
// binary (the flag survives exec). oneDNN generates its kernels at run time, so bf16 cannot run
// there: `bf16` must be refused with the reason, and `auto` must fall back to fp32 — not fail as
// "oneDNN fp32 → bf16 weights reorder failed (status 5)", which is what the shipped unit gave.
// Needs a CPU with AVX512_BF16 and a kernel with PR_SET_MDWE (6.3+); elsewhere the tests are off.
import Foundation
import TestSupport
import Testing

@Suite struct WriteExecuteRestrictionTests {
    static let kac = ChildProcess.builtProduct("kac")
    static let kacd = ChildProcess.builtProduct("kacd")
    static let repositoryZoo = KacdConfigurationTests.repositoryZoo
    /// PR_SET_MDWE = 65, PR_MDWE_REFUSE_EXEC_GAIN = 1, SYS_prctl = 157 on x86-64; exit 3 when the
    /// kernel refuses (no MDWE), 4 when exec fails.
    static let wrapper = ["-e", "syscall(157, 65, 1, 0, 0, 0) == 0 or exit 3; exec @ARGV or exit 4", "--"]

    static let kernelHasMDWE: Bool = {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/perl") else { return false }
        return (try? ChildProcess.run("/usr/bin/perl", wrapper + ["/bin/true"]).status) == 0
    }()
    static let applies = KacdConfigurationTests.cpuHasBF16 && kernelHasMDWE

    static func restricted(_ binary: String, _ arguments: [String]) throws -> ProcessResult {
        try ChildProcess.run("/usr/bin/perl", wrapper + [binary] + arguments)
    }

    static func render(precision: String, into out: TemporaryDirectory, restricted: Bool) throws -> ProcessResult {
        let arguments = [
            "render", "--model", "fashion-mnist/student-1", "--zoo", repositoryZoo, "--count", "2", "--seed", "1",
            "--precision", precision, "--json", "--out", out.path + "/images",
        ]
        return restricted ? try Self.restricted(kac, arguments) : try ChildProcess.run(kac, arguments)
    }

    @Test(.enabled(if: applies)) func bf16RendersWithoutTheRestrictionAndIsRefusedWithTheReasonUnderIt() throws {
        let free = TemporaryDirectory(prefix: "mdwe-free")
        let unrestricted = try Self.render(precision: "bf16", into: free, restricted: false)
        #expect(unrestricted.status == 0 && unrestricted.output.contains("\"precision\" : \"bf16\""), "\(unrestricted.error)")

        let out = TemporaryDirectory(prefix: "mdwe-bf16")
        let refused = try Self.render(precision: "bf16", into: out, restricted: true)
        #expect(refused.status == 64, "exit \(refused.status): \(refused.error)")
        #expect(refused.error.contains("may not make memory executable"), "\(refused.error)")
        #expect(refused.error.contains("MemoryDenyWriteExecute"), "\(refused.error)")
        #expect(!refused.error.contains("status 5"), "\(refused.error)")
        #expect(!FileManager.default.fileExists(atPath: out.path + "/images"), "a refused render wrote its output directory")
    }

    @Test(.enabled(if: applies)) func autoRendersFP32UnderTheRestriction() throws {
        let out = TemporaryDirectory(prefix: "mdwe-auto")
        let result = try Self.render(precision: "auto", into: out, restricted: true)
        #expect(result.status == 0, "exit \(result.status): \(result.error)")
        #expect(result.output.contains("\"precision\" : \"fp32\""), "\(result.output)")
    }

    @Test(.enabled(if: applies)) func kacdRefusesBF16AtStartUpAndWarnsForAuto() throws {
        let refused = try Self.restricted(Self.kacd, ["--print-config", "--precision", "bf16"])
        #expect(refused.status == 78, "exit \(refused.status): \(refused.error)")
        #expect(refused.error.hasPrefix("kacd: configuration error: --precision bf16: precision bf16 runs on oneDNN"), "\(refused.error)")

        let spool = TemporaryDirectory(prefix: "mdwe-spool")
        let drained = try Self.restricted(
            Self.kacd, ["--once", "--spool", spool.path, "--zoo", Self.repositoryZoo, "--precision", "auto", "--poll-interval", "0.1"])
        #expect(drained.status == 0, "exit \(drained.status): \(drained.error)")
        #expect(drained.error.contains("bf16 is unavailable, so jobs asking for bf16 fail and auto runs fp32"), "\(drained.error)")
    }
}
