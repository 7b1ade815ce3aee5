// `kac zoo` as a user sees it: whole table output, JSON, and exit statuses for refusals and damage.
import Foundation
import ModelStore
import TestSupport
import Testing

@Suite struct ZooCommandTests {
    @Test func listShowTagRollbackAndVerify() throws {
        let (directory, store) = try makeStore()
        defer { withExtendedLifetime(directory) {} }
        let one = try store.publish(sampleCheckpoint(seed: 1), as: name("fm/teacher"), details: try teacherDetails())
        let two = try store.publish(sampleCheckpoint(seed: 2), as: name("fm/teacher"), details: try teacherDetails(), dtype: .f16)
        let zoo = ["--zoo", store.root]

        let list = try Kac.run(["zoo", "list"] + zoo)
        #expect(list.status == 0)
        let sizes = ["\(one.compressedSize) B", "\(two.compressedSize) B"]
        let width = max(4, sizes[0].count, sizes[1].count)
        func pad(_ text: String) -> String { text.padding(toLength: width, withPad: " ", startingAt: 0) }
        #expect(
            list.output == """
                NAME        VERSION  TAGS    KIND     DTYPE  \(pad("SIZE"))  CREATED
                fm/teacher  1                teacher  f32    \(pad(sizes[0]))  2023-11-14T22:13:20Z
                fm/teacher  2        latest  teacher  f16    \(pad(sizes[1]))  2023-11-14T22:13:20Z

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

        let verify = try Kac.run(["zoo", "verify"] + zoo)
        #expect(verify.status == 0 && verify.output == "2 manifests, 2 blobs checked: ok\n")
    }

    @Test func refusalsAndDamageExitNonzero() throws {
        let (directory, store) = try makeStore()
        defer { withExtendedLifetime(directory) {} }
        let manifest = try store.publish(sampleCheckpoint(), as: name("m"), details: ModelDetails(kind: .teacher))
        let zoo = ["--zoo", store.root]

        let remove = try Kac.run(["zoo", "rm", "m@1"] + zoo)
        #expect(remove.status == 1 && remove.error.contains("m@1 is tagged latest"))
        let bad = try Kac.run(["zoo", "show", "../etc"] + zoo)
        #expect(bad.status != 0 && bad.error.contains("must start with a lower-case letter"))
        let missing = try Kac.run(["zoo", "list", "--zoo", directory.file("nowhere")])
        #expect(missing.status == 1 && missing.error.contains("there is no model store at"))

        var blob = try contents(store.blobPath(manifest.blob))
        blob[blob.count - 1] ^= 0xFF
        try clobber(store.blobPath(manifest.blob), with: blob)
        let verify = try Kac.run(["zoo", "verify"] + zoo)
        #expect(verify.status == 1 && verify.output.hasPrefix("PROBLEM  blob \(store.blobPath(manifest.blob)) is corrupt: its sha256 is"))
        let gc = try Kac.run(["zoo", "gc", "--dry-run", "--json"] + zoo)
        #expect(gc.status == 0 && gc.output.contains("\"dryRun\" : true"))
        let removed = try Kac.run(["zoo", "rm", "m@1", "--force"] + zoo)
        #expect(removed.status == 0 && removed.output == "removed m@1; run `kac zoo gc` to free its blob\n")
        let swept = try Kac.run(["zoo", "gc"] + zoo)
        #expect(swept.output.hasPrefix("removed \(store.blobPath(manifest.blob))"))
        #expect(try Kac.run(["zoo", "verify"] + zoo).status == 0)
    }
}
