// Publishing and reading: round trips in both dtypes, monotonic versions, every reference form,
// tags and rollback, remove, gc, and export/import between two stores.
import Foundation
import ModelStore
import TestSupport
import Testing
import Vocabulary

@Suite struct StorePublishTests {
    @Test func publishesAndLoadsBothDtypes() throws {
        let (directory, store) = try makeStore()
        defer { withExtendedLifetime(directory) {} }
        let checkpoint = sampleCheckpoint(parameters: 1000)
        let first = try store.publish(checkpoint, as: name("fashion-mnist/teacher"), details: try teacherDetails())
        #expect(first.version == 1)
        #expect(first.uncompressedSize == (try Safetensors.encode(checkpoint)).count)
        let loaded = try store.load("fashion-mnist/teacher")
        #expect(loaded.checkpoint == checkpoint)
        #expect(loaded.manifest == first)
        #expect(loaded.manifest.details == (try teacherDetails()))

        let half = try store.publish(checkpoint, as: name("fashion-mnist/teacher"), details: try teacherDetails(), dtype: .f16)
        #expect(half.version == 2 && half.dtype == .f16 && half.uncompressedSize < first.uncompressedSize)
        let halfLoaded = try store.load("fashion-mnist/teacher:latest")
        #expect(halfLoaded.checkpoint.tensors[0].values == checkpoint.tensors[0].values.map { Float(Float16($0)) })
        #expect(try store.load("fashion-mnist/teacher@1").checkpoint == checkpoint)
    }

    @Test func manifestJSONIsFlatAndVersioned() throws {
        let (directory, store) = try makeStore()
        defer { withExtendedLifetime(directory) {} }
        let manifest = try store.publish(sampleCheckpoint(), as: name("m"), details: try teacherDetails())
        let text = String(decoding: try contents(store.manifestPath(name("m"), version: 1)), as: UTF8.self)
        for field in [
            "\"schema\" : 1", "\"kind\" : \"teacher\"", "\"blob\" : \"\(manifest.blob)\"", "\"created\" : \"2023-11-14T22:13:20Z\"",
            "\"dampingRate\" : 9", "\"integrator\" : \"ab2\"", "\"baseWidth\" : 32", "\"dtype\" : \"f32\"",
        ] {
            #expect(text.contains(field), "manifest lacks \(field):\n\(text)")
        }
    }

    @Test func resolvesEveryReferenceForm() throws {
        let (directory, store) = try makeStore()
        defer { withExtendedLifetime(directory) {} }
        let one = try store.publish(sampleCheckpoint(seed: 1), as: name("a"), details: ModelDetails(kind: .student))
        let two = try store.publish(
            sampleCheckpoint(seed: 2), as: name("a"), details: ModelDetails(kind: .student),
            tags: [tag("stable")])
        #expect(try store.resolve("a").version == 2)
        #expect(try store.resolve("a:stable").version == 2)
        #expect(try store.resolve("a@1") == one)
        #expect(try store.resolve("sha256-" + String(two.blob.hex.prefix(8))) == two)
        #expect(try store.resolve("sha256:" + one.blob.hex) == one)
        #expect(errorText { _ = try store.resolve("sha256-abc") }.contains("8 to 64 hex digits"))
        #expect(errorText { _ = try store.resolve("a:nope") }.contains("tag nope is not set"))
        #expect(errorText { _ = try store.resolve("a@9") }.contains("not found"))
    }

    /// Two names sharing one blob make a prefix ambiguous (distinct blobs sharing 8 hex digits
    /// cannot be built on purpose); the same weights twice under one name resolve to the newest.
    @Test func ambiguousDigestPrefixListsCandidates() throws {
        let (directory, store) = try makeStore()
        defer { withExtendedLifetime(directory) {} }
        let first = try store.publish(sampleCheckpoint(seed: 1), as: name("b"), details: ModelDetails(kind: .classifier))
        _ = try store.publish(sampleCheckpoint(seed: 1), as: name("b"), details: ModelDetails(kind: .classifier))
        let prefix = "sha256-" + String(first.blob.hex.prefix(8))
        #expect(try store.resolve(prefix).version == 2)
        _ = try store.publish(sampleCheckpoint(seed: 1), as: name("c"), details: ModelDetails(kind: .classifier))
        let text = errorText { _ = try store.resolve(prefix) }
        #expect(text.contains("ambiguous") && text.contains("b@1") && text.contains("b@2") && text.contains("c@1"), "\(text)")
    }

    @Test func tagsAndRollbackWalkBack() throws {
        let (directory, store) = try makeStore()
        defer { withExtendedLifetime(directory) {} }
        for seed in 1...3 { try store.publish(sampleCheckpoint(seed: UInt64(seed)), as: name("t"), details: ModelDetails(kind: .teacher)) }
        #expect(try store.tags(of: name("t")) == [.latest: 3])
        try store.tag(try ModelReference(parsing: "t@1"), as: tag("stable"))
        #expect(try store.rollback(name("t")) == (from: 3, to: 2))
        #expect(try store.rollback(name("t")) == (from: 2, to: 1))
        #expect(errorText { try store.rollback(name("t")) }.contains("no earlier target"))
        #expect(try store.resolve("t").version == 1 && store.resolve("t:stable").version == 1)
        // Publishing after a rollback moves latest forward again.
        try store.publish(sampleCheckpoint(seed: 9), as: name("t"), details: ModelDetails(kind: .teacher))
        #expect(try store.resolve("t").version == 4)
        #expect(try store.tagHistory(of: name("t")).map(\.reason) == [.publish, .publish, .publish, .tag, .rollback, .rollback, .publish])
    }

    @Test func removeRefusesTaggedAndNeverReusesVersions() throws {
        let (directory, store) = try makeStore()
        defer { withExtendedLifetime(directory) {} }
        for seed in 1...2 { try store.publish(sampleCheckpoint(seed: UInt64(seed)), as: name("r"), details: ModelDetails(kind: .teacher)) }
        #expect(errorText { try store.remove(name("r"), version: 2) }.contains("is tagged latest"))
        try store.remove(name("r"), version: 2, force: true)
        #expect(store.versions(of: name("r")) == [1])
        #expect(try store.tags(of: name("r")).isEmpty)
        let next = try store.publish(sampleCheckpoint(seed: 3), as: name("r"), details: ModelDetails(kind: .teacher))
        #expect(next.version == 3)
        #expect(store.verify().isClean)
    }

    @Test func gcRemovesOnlyUnreferencedBlobsAndOldTemporaries() throws {
        let later = Date().addingTimeInterval(7200)
        let (directory, store) = try makeStore(clock: { later })
        defer { withExtendedLifetime(directory) {} }
        try store.publish(sampleCheckpoint(seed: 1), as: name("g"), details: ModelDetails(kind: .teacher))
        let second = try store.publish(sampleCheckpoint(seed: 2), as: name("g"), details: ModelDetails(kind: .teacher), tags: [tag("keep")])
        try store.tag(try ModelReference(parsing: "g@1"), as: .latest)
        try store.remove(name("g"), version: 2, force: true)
        try clobber(directory.file("zoo/tmp/blob-1-2.tmp"), with: [1, 2, 3])
        let dry = try store.collectGarbage(dryRun: true)
        #expect(dry.removedBlobs == [second.blob] && dry.removedTemporaryFiles.count == 1)
        #expect(FileManager.default.fileExists(atPath: store.blobPath(second.blob)))
        let report = try store.collectGarbage()
        #expect(report.removedBlobs == [second.blob])
        #expect(!FileManager.default.fileExists(atPath: store.blobPath(second.blob)))
        #expect(try store.load("g").checkpoint == sampleCheckpoint(seed: 1))
        let after = store.verify()
        #expect(after.isClean && after.orphanBlobs.isEmpty && after.strayTemporaryFiles.isEmpty)
    }

    @Test func gcKeepsYoungTemporariesAndRefusesWithUnreadableManifests() throws {
        let (directory, store) = try makeStore(clock: { Date() })
        defer { withExtendedLifetime(directory) {} }
        try store.publish(sampleCheckpoint(), as: name("g"), details: ModelDetails(kind: .teacher))
        try clobber(directory.file("zoo/tmp/blob-1-2.tmp"), with: [1])
        #expect(try store.collectGarbage().removedTemporaryFiles.isEmpty)
        try clobber(store.manifestPath(name("g"), version: 1), with: Array("{".utf8))
        #expect(errorText { _ = try store.collectGarbage() }.contains("gc refuses to sweep"))
    }

    @Test func exportImportMovesOneVersion() throws {
        let (directory, source) = try makeStore()
        defer { withExtendedLifetime(directory) {} }
        let (targetDirectory, target) = try makeStore()
        defer { withExtendedLifetime(targetDirectory) {} }
        let checkpoint = sampleCheckpoint(parameters: 500)
        let original = try source.publish(checkpoint, as: name("ns/m"), details: try teacherDetails(), dtype: .f16)
        try target.publish(sampleCheckpoint(seed: 5), as: name("ns/m"), details: ModelDetails(kind: .teacher))
        let archive = directory.file("m.kacmodel")
        try source.export(try ModelReference(parsing: "ns/m"), to: archive)
        let imported = try target.importArchive(from: archive, tags: [tag("stable")])
        #expect(imported.version == 2 && imported.blob == original.blob && imported.details == original.details)
        #expect(try target.load("ns/m:stable").checkpoint == source.load("ns/m").checkpoint)

        var damaged = try contents(archive)
        damaged[damaged.count / 2] ^= 0x40
        try clobber(archive, with: damaged)
        #expect(errorText { _ = try target.importArchive(from: archive) }.contains("trailing sha256 does not match"))
        try clobber(archive, with: Array("KACMODEL".utf8) + [2, 0, 0, 0] + [UInt8](repeating: 0, count: 60))
        #expect(errorText { _ = try target.importArchive(from: archive) }.contains("schema version 2"))
        #expect(target.verify().isClean)
    }
}
