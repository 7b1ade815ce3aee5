// Bad input, each refused with its own message: damaged blobs (truncated, flipped byte, wrong
// size, decompression bomb), hostile manifests (path traversal, renamed, absurd sizes), unknown
// schema versions, and hostile names and references.
import Foundation
import ModelStore
import TestSupport
import Testing
import Vocabulary

/// Rewrites the JSON object in `path` with `edit` applied.
func editJSON(_ path: String, _ edit: (inout [String: Any]) -> Void) throws {
    var object = try #require(try JSONSerialization.jsonObject(with: Data(contents(path))) as? [String: Any])
    edit(&object)
    try clobber(path, with: [UInt8](try JSONSerialization.data(withJSONObject: object)))
}

@Suite struct CorruptionTests {
    @Test func damagedBlobsAreRefusedWithTheirCause() throws {
        let (directory, store) = try makeStore()
        defer { withExtendedLifetime(directory) {} }
        let manifest = try store.publish(sampleCheckpoint(parameters: 5000), as: name("m"), details: ModelDetails(kind: .teacher))
        let path = store.blobPath(manifest.blob)
        let good = try contents(path)

        try clobber(path, with: Array(good.prefix(good.count / 2)))
        #expect(errorText { _ = try store.load("m") }.contains("bytes but the manifest says \(good.count) (truncated"))
        var flipped = good
        flipped[good.count / 2] ^= 0x01
        try clobber(path, with: flipped)
        let flippedText = errorText { _ = try store.load("m") }
        #expect(flippedText.contains("its sha256 is") && flippedText.contains("kac zoo verify"), "\(flippedText)")
        #expect(store.verify().problems.count == 1)
        try FileManager.default.removeItem(atPath: path)
        #expect(errorText { _ = try store.load("m") }.contains("the file is missing"))
        try clobber(path, with: good)
        #expect(try store.load("m").checkpoint == sampleCheckpoint(parameters: 5000))
    }

    @Test func manifestSizesAreEnforced() throws {
        let (directory, store) = try makeStore()
        defer { withExtendedLifetime(directory) {} }
        // 2.5 M zeros: a 10 MB checkpoint in a tiny blob, i.e. a bomb if the manifest lies.
        let zeros = Checkpoint(tensors: [NamedTensor(name: "z", shape: [2_500_000], values: [Float](repeating: 0, count: 2_500_000))])
        let manifest = try store.publish(zeros, as: name("bomb"), details: ModelDetails(kind: .teacher))
        #expect(manifest.compressedSize < 10_000)
        let path = store.manifestPath(name("bomb"), version: 1)
        try editJSON(path) { $0["uncompressedSize"] = 1000 }
        #expect(errorText { _ = try store.load("bomb") }.contains("decompresses to more than the 1000 bytes"))
        try editJSON(path) { $0["uncompressedSize"] = manifest.uncompressedSize + 8 }
        #expect(errorText { _ = try store.load("bomb") }.contains("the manifest declares \(manifest.uncompressedSize + 8)"))
        try editJSON(path) { $0["uncompressedSize"] = 1 << 50 }
        #expect(errorText { _ = try store.load("bomb") }.contains("declares 1125899906842624 bytes, more than the limit"))
        try editJSON(path) { $0["uncompressedSize"] = -5 }
        #expect(errorText { _ = try store.load("bomb") }.contains("uncompressedSize is negative"))

        var small = store
        small.configuration.maximumCheckpointBytes = 1 << 20
        try editJSON(path) { $0["uncompressedSize"] = manifest.uncompressedSize }
        #expect(errorText { _ = try small.load("bomb") }.contains("more than the limit of 1048576"))
        #expect(errorText { try small.publish(zeros, as: name("bomb"), details: ModelDetails(kind: .teacher)) }.contains("limit"))
    }

    @Test func hostileManifestsAreRefused() throws {
        let (directory, store) = try makeStore()
        defer { withExtendedLifetime(directory) {} }
        try store.publish(sampleCheckpoint(), as: name("m"), details: ModelDetails(kind: .teacher))
        let path = store.manifestPath(name("m"), version: 1)
        let good = try contents(path)
        let cases: [(String, (inout [String: Any]) -> Void)] = [
            ("invalid model name \"../../etc\"", { $0["name"] = "../../etc" }),
            ("it claims to be other@1", { $0["name"] = "other" }),
            ("it claims to be m@7", { $0["version"] = 7 }),
            ("invalid digest", { $0["blob"] = "sha256-../../x" }),
            ("field \"kind\" is missing", { $0.removeValue(forKey: "kind") }),
            ("\"kind\"", { $0["kind"] = "wizard" }),
            ("schema version 2, but this kac understands up to 1. Upgrade kac", { $0["schema"] = 2 }),
            ("no \"schema\" version field", { $0.removeValue(forKey: "schema") }),
        ]
        for (expected, edit) in cases {
            try clobber(path, with: good)
            try editJSON(path, edit)
            let text = errorText { _ = try store.load("m") }
            #expect(text.contains(expected), "expected \(expected) in: \(text)")
        }
        try clobber(path, with: [UInt8](repeating: 0x20, count: 5 << 20))
        #expect(errorText { _ = try store.load("m") }.contains("more than the limit"))
    }

    @Test func unknownSchemaVersionsSayWhatToDo() throws {
        let (directory, store) = try makeStore()
        defer { withExtendedLifetime(directory) {} }
        try store.publish(sampleCheckpoint(), as: name("m"), details: ModelDetails(kind: .teacher))
        try editJSON(directory.file("zoo/models/m/tags.json")) { $0["schema"] = 9 }
        #expect(errorText { _ = try store.load("m") }.contains("tags.json uses schema version 9"))
        try editJSON(directory.file("zoo/zoo.json")) { $0["schema"] = 3 }
        let text = errorText { _ = try ModelStore(root: store.root) }
        #expect(text.contains("zoo.json uses schema version 3") && text.contains("Upgrade kac"))
    }

    @Test(arguments: [
        ("../x", "must start with"), ("a/b/c", "at most one '/'"), ("/abs", "empty segment"), ("Teacher", "must start with"),
        ("a..b", "\"..\" is not allowed"), ("x.json", "may not end in .json"), ("", "empty segment"), ("a/", "empty segment"),
        ("a b", "character \" \""), (String(repeating: "a", count: 65), "longer than 64"), ("a/.hidden", "must start with"),
    ])
    func hostileNamesAreRefused(text: String, expected: String) {
        let message = errorText { _ = try ModelName(text) }
        #expect(message.contains(expected), "\(message)")
    }

    @Test func referencesParseStrictly() throws {
        #expect(try ModelReference(parsing: "ns/m") == .tag(name("ns/m"), .latest))
        #expect(try ModelReference(parsing: "ns/m:stable") == .tag(name("ns/m"), tag("stable")))
        #expect(try ModelReference(parsing: "ns/m@12") == .version(name("ns/m"), 12))
        #expect(try ModelReference(parsing: "sha256:ABCDEF0123") == .digestPrefix("abcdef0123"))
        #expect(errorText { _ = try ModelReference(parsing: "m@0") }.contains("positive integer"))
        #expect(errorText { _ = try ModelReference(parsing: "m@x") }.contains("positive integer"))
        #expect(errorText { _ = try ModelReference(parsing: "m:../x") }.contains("tag: segment"))
        #expect(errorText { _ = try ModelReference(parsing: "sha256-xyzxyzxyz") }.contains("8 to 64 hex"))
        #expect(errorText { _ = try Digest(parsing: "sha256-abc") }.contains("exactly 64"))
        #expect(errorText { _ = try Digest(parsing: "md5-" + String(repeating: "a", count: 64)) }.contains("does not start with"))
        let digest = Digest.sha256(of: Array("abc".utf8))
        #expect(digest.description == "sha256-ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(try Digest(parsing: "sha256:" + digest.hex.uppercased()) == digest)
    }
}
