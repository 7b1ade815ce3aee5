// The command lines as a user meets them: enum options list their values in --help and refuse
// others before doing anything (ArgumentParser's exit 64), and a model reference the zoo could
// never resolve is refused by `kac submit` with the grammar's reason instead of being queued.
import Foundation
import Testing
import TestSupport

@Suite struct ArgumentValuesTests {
    static let kac = ChildProcess.builtProduct("kac")

    @Test func helpListsEveryValueOfAnEnumOption() throws {
        /// --help text with line wrapping undone.
        func help(_ command: String) throws -> String {
            let result = try ChildProcess.run(Self.kac, [command, "--help"])
            #expect(result.status == 0)
            return result.output.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        }
        let render = try help("render")
        for values in ["euler, heun, midpoint, ab2, rk45", "png, jpeg, webp, tiff", "nearest, lanczos"] {
            #expect(render.contains("values: " + values), "kac render --help should list \(values):\n\(render)")
        }
        let distill = try help("distill")
        for values in ["forward, trajectory", "chain, base", "f32, f16"] {
            #expect(distill.contains("values: " + values), "kac distill --help should list \(values)")
        }
        #expect(distill.contains("values: leading-slice, random"), "kebab-case student-init values:\n\(distill)")
        #expect(distill.contains("default: leading-slice") && !distill.contains("leadingSlice"),
                "the student-init default in its CLI spelling, never the raw value:\n\(distill)")
    }

    @Test func badEnumValuesAreUsageErrors() throws {
        let cases: [([String], String)] = [
            (["render", "--model", "m", "--count", "1", "--out", "/nonexistent/x", "--sampler", "leapfrog"], "'leapfrog' is invalid for '--sampler"),
            (["submit", "--quality", "quickest", "--spool", "/nonexistent/spool"], "'quickest' is invalid for '--quality"),
            (["distill", "--targets", "teacher"], "'teacher' is invalid for '--targets"),
            (["publish", "x.safetensors", "--name", "n", "--kind", "classifierz"], "'classifierz' is invalid for '--kind"),
        ]
        for (arguments, message) in cases {
            let result = try ChildProcess.run(Self.kac, arguments)
            #expect(result.status == 64 && result.error.contains(message), "\(arguments): \(result.status) \(result.error)")
        }
    }

    @Test func submitRefusesAReferenceTheZooCouldNeverResolve() throws {
        let spool = TemporaryDirectory(prefix: "kac-cli-spool")
        for (reference, reason) in [("sha256-abcd", "8 to 64 hex digits"), ("Fashion/Teacher", "lower-case"), ("m@x", "positive integer")] {
            let result = try ChildProcess.run(Self.kac, ["submit", "--model", reference, "--spool", spool.path])
            #expect(result.status != 0 && result.error.contains(reason), "\(reference): \(result.status) \(result.error)")
        }
        let queued = (try? FileManager.default.contentsOfDirectory(atPath: spool.path + "/new")) ?? []
        #expect(queued.isEmpty, "nothing may be queued: \(queued)")
    }
}
