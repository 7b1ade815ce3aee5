// `kac render` as a user meets it: a good run lists the files it wrote; each kind of bad input
// exits with its documented code and a message naming the fix, and leaves no output directory.
import Foundation
import Imaging
import TestSupport
import Testing

@Suite struct RenderCommandTests {
    @Test func rendersFilesAndRefusesBadInput() throws {
        let root = TemporaryDirectory(prefix: "kac-render-cli")
        let zoo = root.file("zoo")
        try TinyModel.publish(into: zoo)
        func kac(_ arguments: [String]) throws -> Finished {
            try Child.run(Binaries.kac, ["render", "--zoo", zoo] + arguments, logDirectory: root.path)
        }
        let out = root.file("images")
        let good = try kac([
            "--model", "fashion-mnist/teacher", "--count", "3", "--labels", "sneaker,bag,3", "--steps", "1",
            "--format", "webp", "--encode-quality", "80", "--out", out,
        ])
        #expect(good.status == 0, "\(good.error)")
        #expect(good.output == ["0000-sneaker", "0001-bag", "0002-dress"].map { out + "/" + $0 + ".webp\n" }.joined())
        #expect(try ImageReader.info(path: out + "/0002-dress.webp").metadata["steps"] == "1")

        let missing = root.file("never")
        let cases: [(arguments: [String], status: Int32, message: String)] = [
            (["--model", "no-such-model", "--count", "1"], 66, "model no-such-model"),
            (["--model", "fashion-mnist/teacher", "--count", "1", "--labels", "10"], 64, "label 10 is out of range"),
            (
                ["--model", "fashion-mnist/teacher", "--count", "1", "--labels", "hat"], 64,
                "label \"hat\" is not a class of fashion-mnist/teacher@1; its classes are 0 t-shirt"
            ),
            (["--model", "sha256-abcd", "--count", "1"], 66, "a digest prefix needs 8 to 64 hex digits"),
            (["--model", "fashion-mnist/teacher", "--count", "0"], 64, "count 0 is outside"),
            (["--model", "fashion-mnist/teacher", "--count", "20", "--max-count", "10"], 64, "count 20 is outside 1…10"),
            (["--model", "fashion-mnist/teacher", "--count", "1", "--scale", "9"], 64, "scale 9 is outside 1…8"),
            (["--model", "fashion-mnist/teacher", "--count", "1", "--format", "gif"], 64, "'gif' is invalid for '--format"),
            (["--model", "fashion-mnist/teacher", "--count", "1", "--sampler", "leapfrog"], 64, "'leapfrog' is invalid for '--sampler"),
        ]
        for (arguments, status, message) in cases {
            let result = try kac(arguments + ["--out", missing])
            #expect(result.status == status && result.error.contains(message), "\(arguments): \(result.status) \(result.error)")
            #expect(!FileManager.default.fileExists(atPath: missing), "\(arguments) left \(missing) behind")
        }
        FileManager.default.createFile(atPath: root.file("file"), contents: Data())
        let unwritable = try kac(["--model", "fashion-mnist/teacher", "--count", "1", "--out", root.file("file/sub")])
        #expect(unwritable.status == 73 && unwritable.error.contains("cannot write to output directory"), "\(unwritable.error)")
    }
}
