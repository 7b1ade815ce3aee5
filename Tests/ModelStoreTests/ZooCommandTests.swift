// `kac zoo` as a user sees it: whole table output, JSON, and exit statuses for refusals and damage
// (docs/operating.md, "Exit codes": 64 bad name, 65 damage, 66 not found, 69 refused).
import Foundation
import ModelStore
import TestSupport
import Testing
import Vocabulary

@Suite struct ZooCommandTests {
    @Test func listShowTagRollbackAndVerify() throws {
        let (directory, store) = try makeStore()
        defer { withExtendedLifetime(directory) {} }
        let one = try store.publish(modelCheckpoint(seed: 1), as: name("fm/teacher"), details: modelDetails(try teacherDetails()))
        let two = try store.publish(
            modelCheckpoint(seed: 2), as: name("fm/teacher"), details: modelDetails(try teacherDetails()), dtype: .f16)
        let zoo = ["--zoo", store.root]

        let list = try Kac.run(["zoo", "list"] + zoo)
        #expect(list.status == 0)
        let sizes = ["\(one.compressedSize) B", "\(two.compressedSize) B"]
        let width = max(4, sizes[0].count, sizes[1].count)
        func pad(_ text: String) -> String { text.padding(toLength: width, withPad: " ", startingAt: 0) }
        #expect(
            list.output == """
                NAME        VERSION  TAGS    KIND     DATASET        DTYPE  \(pad("SIZE"))  CREATED
                fm/teacher  1                teacher  fashion-mnist  f32    \(pad(sizes[0]))  2023-11-14T22:13:20Z
                fm/teacher  2        latest  teacher  fashion-mnist  f16    \(pad(sizes[1]))  2023-11-14T22:13:20Z

                """)

        #expect(try Kac.run(["zoo", "tag", "fm/teacher@1", "stable"] + zoo).output == "fm/teacher:stable -> fm/teacher@1\n")
        #expect(try Kac.run(["zoo", "rollback", "fm/teacher"] + zoo).output == "fm/teacher:latest 2 -> 1\n")
        let show = try Kac.run(["zoo", "show", "fm/teacher", "--json"] + zoo)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        #expect(try decoder.decode(ModelManifest.self, from: Data(show.output.utf8)) == one)
        let human = try Kac.run(["zoo", "show", "fm/teacher@2"] + zoo).output
        #expect(
            human.contains("sampler       ab2, 100 steps, guidance 1.5")
                && human.contains("eval@100      FD 12.5, accuracy 0.946, 3.2 images/s"), "\(human)")
        #expect(!human.contains("metadata"), "the blob is read only when asked")
        let withMetadata = try Kac.run(["zoo", "show", "fm/teacher@2", "--metadata"] + zoo)
        #expect(withMetadata.status == 0 && withMetadata.output.contains("metadata      kac.kind = teacher\n"), "\(withMetadata)")
        let jsonMetadata = try Kac.run(["zoo", "show", "fm/teacher@2", "--metadata", "--json"] + zoo)
        let object = try JSONSerialization.jsonObject(with: Data(jsonMetadata.output.utf8)) as? [String: Any]
        #expect((object?["checkpointMetadata"] as? [String: String])?["kac.kind"] == "teacher", "\(jsonMetadata.output)")
        #expect(object?["manifest"] is [String: Any])

        let verify = try Kac.run(["zoo", "verify"] + zoo)
        #expect(verify.status == 0 && verify.output == "2 manifests, 2 blobs checked: ok\n")

        // The default data set of quality presets lives in zoo.json; the marker stays readable.
        #expect(try store.defaultDataset() == nil)
        let unset = try Kac.run(["zoo", "default-dataset"] + zoo)
        #expect(unset.output == "default data set: (none)\ndata sets of teachers and students: fashion-mnist\n", "\(unset)")
        #expect(try Kac.run(["zoo", "default-dataset", "my shapes"] + zoo).status == 0)
        #expect(try store.defaultDataset() == DatasetName(parsing: "my shapes"))
        #expect(try ModelStore(root: store.root, create: false).defaultDataset()?.text == "my shapes")
        #expect(try Kac.run(["zoo", "default-dataset", " bad"] + zoo).status == 64)
        #expect(try Kac.run(["zoo", "default-dataset", "--unset"] + zoo).status == 0)
        #expect(try store.defaultDataset() == nil)
    }

    @Test func refusalsAndDamageExitNonzero() throws {
        let (directory, store) = try makeStore()
        defer { withExtendedLifetime(directory) {} }
        let manifest = try store.publish(modelCheckpoint(), as: name("m"), details: modelDetails())
        let zoo = ["--zoo", store.root]

        let remove = try Kac.run(["zoo", "rm", "m@1"] + zoo)
        #expect(remove.status == 69 && remove.error.contains("m@1 is tagged latest"))
        let bad = try Kac.run(["zoo", "show", "../etc"] + zoo)
        #expect(bad.status == 64 && bad.error.contains("must start with a lower-case letter"))
        let nope = try Kac.run(["zoo", "show", "nope/nope"] + zoo)
        #expect(nope.status == 66 && nope.error.contains("not found"), "like `kac render --model nope`: \(nope.status) \(nope.error)")
        let badTag = try Kac.run(["zoo", "tag", "m@1", "Stable"] + zoo)
        #expect(badTag.status == 64 && badTag.error.contains("invalid tag \"Stable\""), "\(badTag.error)")
        let missing = try Kac.run(["zoo", "list", "--zoo", directory.file("nowhere")])
        #expect(missing.status == 66 && missing.error.contains("there is no model store at"))
        let noArchive = try Kac.run(["zoo", "import", directory.file("nothing.kac")] + zoo)
        #expect(
            noArchive.status == 66 && noArchive.error.contains("archive") && !noArchive.error.contains("kac zoo list"), "\(noArchive.error)"
        )

        var blob = try contents(store.blobPath(manifest.blob))
        blob[blob.count - 1] ^= 0xFF
        try clobber(store.blobPath(manifest.blob), with: blob)
        let verify = try Kac.run(["zoo", "verify"] + zoo)
        #expect(verify.status == 65 && verify.output.hasPrefix("PROBLEM  blob \(store.blobPath(manifest.blob)) is corrupt: its sha256 is"))
        #expect(try Kac.run(["zoo", "show", "m@1"] + zoo).status == 0, "the manifest alone does not read the blob")
        let damaged = try Kac.run(["zoo", "show", "m@1", "--metadata"] + zoo)
        #expect(damaged.status == 65 && damaged.error.contains("corrupt"), "\(damaged.status) \(damaged.error)")
        let gc = try Kac.run(["zoo", "gc", "--dry-run", "--json"] + zoo)
        #expect(gc.status == 0 && gc.output.contains("\"dryRun\" : true"))
        let removed = try Kac.run(["zoo", "rm", "m@1", "--force"] + zoo)
        #expect(removed.status == 0 && removed.output == "removed m@1; run `kac zoo gc` to free its blob\n")
        let swept = try Kac.run(["zoo", "gc"] + zoo)
        #expect(swept.output.hasPrefix("removed \(store.blobPath(manifest.blob))"))
        #expect(try Kac.run(["zoo", "verify"] + zoo).status == 0)
    }

    /// The advice `kac zoo verify` gives for a damaged blob works: importing an archive of the
    /// model (or publishing the same weights) replaces the blob, and re-importing an archive the
    /// store already holds adds no version.
    @Test func importRepairsADamagedBlobAndAddsNoVersion() throws {
        let (directory, store) = try makeStore()
        defer { withExtendedLifetime(directory) {} }
        let manifest = try store.publish(modelCheckpoint(), as: name("m"), details: modelDetails())
        let zoo = ["--zoo", store.root]
        let archive = directory.file("m.kac")
        #expect(try Kac.run(["zoo", "export", "m", archive] + zoo).status == 0)

        let again = try Kac.run(["zoo", "import", archive] + zoo)
        #expect(
            again.status == 0 && again.output == "already present as m@1 (\(manifest.blob.short)); no version added\n", "\(again.output)")

        var blob = try contents(store.blobPath(manifest.blob))
        blob[blob.count / 2] ^= 0x01
        try clobber(store.blobPath(manifest.blob), with: blob)
        let damaged = try Kac.run(["zoo", "verify"] + zoo)
        #expect(damaged.status == 65 && damaged.output.contains("kac zoo import"), "\(damaged.output)")
        let repaired = try Kac.run(["zoo", "import", archive, "--tag", "stable"] + zoo)
        #expect(repaired.status == 0, "\(repaired.error)")
        #expect(
            repaired.output.contains("repaired blob \(manifest.blob)") && repaired.output.contains("already present as m@1"),
            "\(repaired.output)")
        #expect(store.versions(of: name("m")) == [1])
        #expect(try store.tags(of: name("m"))[TagName("stable")] == 1)
        let verify = try Kac.run(["zoo", "verify"] + zoo)
        #expect(verify.status == 0 && verify.output.hasSuffix("1 manifests, 1 blobs checked: ok\n"), "\(verify.output)")
        #expect(
            verify.output.hasPrefix("stray    \(store.root)/tmp/damaged-\(manifest.blob)-"), "the damaged copy awaits gc: \(verify.output)")
    }

    /// Rows measured after publication become a new version sharing the blob; other models' rows
    /// and a damaged blob are refused.
    @Test func addEvaluationRepublishesWithTheRowsAndTheirJudge() throws {
        let (directory, store) = try makeStore()
        defer { withExtendedLifetime(directory) {} }
        let one = try store.publish(modelCheckpoint(seed: 1), as: name("fm/student"), details: modelDetails(try teacherDetails()))
        let zoo = ["--zoo", store.root]
        func report(model: String) throws -> String {
            let path = directory.file("eval-\(model.replacingOccurrences(of: "/", with: "_")).json")
            try Data(
                """
                {"schema": "kac-evaluation/1", "judge": "fm/classifier@2", "reference": "fm test (10000 images)", "seed": 7,
                 "rows": [{"model": "\(model)", "integrator": "euler", "steps": 4, "guidance": 1, "networkEvaluations": 4,
                           "frechetDistance": 37.02, "multiLayerKernelDistance": 0.02581, "classAccuracy": 0.94,
                           "imagesPerSecond": 0, "sampleCount": 1000}]}
                """.utf8
            ).write(to: URL(fileURLWithPath: path))
            return path
        }
        let added = try Kac.run(["zoo", "add-evaluation", "fm/student@1", try report(model: "fm/student@1")] + zoo)
        #expect(added.status == 0, "\(added.error)")
        #expect(added.output == "published fm/student@2 (the weights of fm/student@1, 2 evaluation rows, 1 new)\n")
        let two = try store.manifest(name("fm/student"), version: 2)
        #expect(two.blob == one.blob && two.details.evaluations.count == 2)
        #expect(two.details.evaluations[0] == one.details.evaluations[0])
        let row = two.details.evaluations[1]
        #expect(row.judge == "fm/classifier@2" && row.frechetDistance == 37.02 && row.imagesPerSecond == nil && row.steps == 4)
        #expect(try store.tags(of: name("fm/student"))[.latest] == 2)

        let other = try Kac.run(["zoo", "add-evaluation", "fm/student@1", try report(model: "fm/teacher@1")] + zoo)
        #expect(other.status == 64 && other.error.contains("none for fm/student@1"), "\(other.error)")
        var blob = try contents(store.blobPath(one.blob))
        blob[blob.count - 1] ^= 0xFF
        try clobber(store.blobPath(one.blob), with: blob)
        let damaged = try Kac.run(["zoo", "add-evaluation", "fm/student@1", try report(model: "fm/student@1")] + zoo)
        #expect(damaged.status == 65 && store.versions(of: name("fm/student")).max() == 2, "\(damaged.status) \(damaged.error)")
    }
}
