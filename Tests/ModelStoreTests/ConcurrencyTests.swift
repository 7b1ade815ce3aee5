// Several processes at once on one store: importers (each a full publish of its own archive), readers loading
// `latest` the whole time, and taggers each setting their own tag. No reader may fail, versions
// must be 1…N with no collision or gap, and no tag update may be lost.
import Foundation
import ModelStore
import TestSupport
import Testing
import Vocabulary

@Suite struct ConcurrencyTests {
    @Test func processesPublishReadAndTagConcurrently() throws {
        let (directory, store) = try makeStore(clock: { Date() })
        defer { withExtendedLifetime(directory) {} }
        let (sourceDirectory, source) = try makeStore()
        defer { withExtendedLifetime(sourceDirectory) {} }
        let publishers = 4, importsEach = 6, readers = 2, readsEach = 12, taggers = 6
        // Distinct weights per archive: re-importing an archive the store already holds adds no version.
        var archives: [String] = []
        for seed in 0...(publishers * importsEach) {
            try source.publish(
                modelCheckpoint(seed: UInt64(4 + seed), hiddenWidth: 128), as: name("c/m"),
                details: modelDetails(try teacherDetails(), hiddenWidth: 128))
            let archive = sourceDirectory.file("m\(seed).kacmodel")
            try source.export(try ModelReference(parsing: "c/m@\(seed + 1)"), to: archive)
            archives.append(archive)
        }
        try store.importArchive(from: archives[0])

        let zoo = "'\(store.root)'"
        var children: [RunningProcess] = []
        for publisher in 0..<publishers {
            let mine = archives[(1 + publisher * importsEach)...(publisher * importsEach + importsEach)].map { "'\($0)'" }
            children.append(
                try Kac.shell("for a in \(mine.joined(separator: " ")); do \"$KAC\" zoo import \"$a\" --zoo \(zoo) || exit 1; done"))
        }
        for _ in 0..<readers {
            children.append(try Kac.shell("for i in $(seq \(readsEach)); do \"$KAC\" zoo verify c/m --zoo \(zoo) || exit 1; done"))
        }
        for index in 0..<taggers {
            children.append(try Kac.shell("\"$KAC\" zoo tag c/m@1 t\(index) --zoo \(zoo)"))
        }
        for child in children {
            let result = child.wait()
            #expect(result.status == 0, "child failed: \(result.error)")
        }

        let total = 1 + publishers * importsEach
        #expect(store.versions(of: name("c/m")) == Array(1...total))
        let tags = try store.tags(of: name("c/m"))
        #expect(tags[.latest] == total)
        for index in 0..<taggers { #expect(tags[tag("t\(index)")] == 1, "tag t\(index) was lost") }
        let history = try store.tagHistory(of: name("c/m"))
        #expect(history.filter { $0.reason == .tag }.count == taggers)
        let report = store.verify()
        #expect(report.isClean && report.orphanBlobs.isEmpty && report.strayTemporaryFiles.isEmpty, "\(report)")
    }
}
