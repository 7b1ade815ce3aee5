// Crash injection at every publishing step, in process (the hook throws) and across processes
// (`kac zoo import` with KAC_ZOO_CRASH_AT dies with _exit, leaving whatever a power cut would).
// After each crash the old tag still loads a complete model, and verify reports at most litter
// (an orphan blob or a stray temporary) that gc removes.
import Foundation
import ModelStore
import TestSupport
import Testing
import Vocabulary

@Suite struct CrashTests {
    @Test(arguments: PublishStep.allCases.filter { $0 != .betweenTagFiles })
    func inProcessCrashLeavesStoreConsistent(step: PublishStep) throws {
        let (directory, store) = try makeStore()
        defer { withExtendedLifetime(directory) {} }
        let old = try store.publish(modelCheckpoint(seed: 1), as: name("m"), details: modelDetails())
        var crashing = store
        crashing.configuration.faults = PublishFaults { if $0 == step { throw InjectedCrash() } }
        #expect(throws: InjectedCrash.self) {
            try crashing.publish(modelCheckpoint(seed: 2), as: name("m"), details: modelDetails())
        }
        try checkConsistent(store, old: old, step: step, orphans: step == .afterBlobRename ? 1 : 0)
    }

    @Test(arguments: PublishStep.allCases.filter { $0 != .betweenTagFiles })
    func killedImporterLeavesStoreConsistent(step: PublishStep) throws {
        let (directory, store) = try makeStore(clock: { Date() })
        defer { withExtendedLifetime(directory) {} }
        let old = try store.publish(modelCheckpoint(seed: 1), as: name("m"), details: modelDetails())
        let (sourceDirectory, source) = try makeStore()
        defer { withExtendedLifetime(sourceDirectory) {} }
        try source.publish(modelCheckpoint(seed: 2), as: name("m"), details: modelDetails())
        let archive = sourceDirectory.file("m.kacmodel")
        try source.export(try ModelReference(parsing: "m"), to: archive)

        let result = try Kac.run(["zoo", "import", archive, "--zoo", store.root], environment: ["KAC_ZOO_CRASH_AT": step.rawValue])
        #expect(result.status == 86, "child should die at \(step): \(result.error)")
        let report = store.verify()
        #expect(report.strayTemporaryFiles.count == (step == .afterBlobWrite ? 1 : 0), "a killed writer leaves its temporary blob")
        #expect(report.orphanBlobs.count == (step == .afterBlobRename ? 1 : 0))
        _ = try store.collectGarbage(grace: 0)
        try checkConsistent(store, old: old, step: step, orphans: 0)
    }

    /// A crash between the two tag files must not leave a history that records a move that never
    /// happened; verify reports the gap, and tagging the version again records it.
    @Test func crashBetweenTagFilesNeverLeavesAHistoryThatLies() throws {
        let (directory, store) = try makeStore()
        defer { withExtendedLifetime(directory) {} }
        try store.publish(modelCheckpoint(seed: 1), as: name("m"), details: modelDetails())
        var crashing = store
        crashing.configuration.faults = PublishFaults { if $0 == .betweenTagFiles { throw InjectedCrash() } }
        #expect(throws: InjectedCrash.self) {
            try crashing.publish(modelCheckpoint(seed: 2), as: name("m"), details: modelDetails())
        }
        let latest = try TagName("latest")
        let current = try #require(try store.tags(of: name("m"))[latest])
        // Every recorded move of latest happened: the last one ends where tags.json points, or is missing.
        let moves = try store.tagHistory(of: name("m")).filter { $0.tag == "latest" }
        #expect(moves.allSatisfy { $0.to == 1 || $0.to == current }, "\(moves)")
        #expect(moves.last?.to == 1 || moves.last?.to == current)
        let history = moves.map { "\($0.from.map(String.init) ?? "-")→\($0.to.map(String.init) ?? "-")" }
        #expect(!(current == 1 && history.contains("1→2")), "history records a move of latest to 2 that never happened: \(history)")
        let report = store.verify()
        if moves.last?.to != current {
            #expect(
                !report.isClean && report.problems.contains { $0.description.contains("interrupted between the two files") },
                "\(report.problems)")
            try store.tag(try ModelReference(parsing: "m@\(current)"), as: latest)
            #expect(try store.tagHistory(of: name("m")).last?.to == current)
        }
        #expect(store.verify().isClean, "\(store.verify().problems)")
    }

    /// `kac zoo verify` cross-checks tags.json against tag-history.json.
    @Test func verifyReportsAHistoryThatDisagreesWithTheTags() throws {
        let (directory, store) = try makeStore()
        defer { withExtendedLifetime(directory) {} }
        try store.publish(modelCheckpoint(seed: 1), as: name("m"), details: modelDetails())
        try store.publish(modelCheckpoint(seed: 2), as: name("m"), details: modelDetails())
        #expect(store.verify().isClean)
        // What the old order (history first) left after a kill between the files: latest back at 1.
        let tags = store.root + "/models/m/tags.json"
        let text = try String(contentsOfFile: tags, encoding: .utf8)
        try text.replacingOccurrences(of: "\"latest\" : 2", with: "\"latest\" : 1").write(toFile: tags, atomically: true, encoding: .utf8)
        #expect(try store.tags(of: name("m"))[try TagName("latest")] == 1)
        let report = store.verify()
        #expect(report.problems.count == 1 && report.problems[0].description.contains("tag latest is to version 2"), "\(report.problems)")
        #expect(report.problems[0].description.contains("`kac zoo tag m@1 latest`"))
        try store.tag(try ModelReference(parsing: "m@1"), as: try TagName("latest"))
        #expect(store.verify().isClean)
    }

    private func checkConsistent(_ store: ModelStore, old: ModelManifest, step: PublishStep, orphans: Int) throws {
        #expect(try store.load("m").checkpoint == modelCheckpoint(seed: 1), "latest must still load the old model")
        #expect(try store.resolve("m") == old)
        let report = store.verify()
        #expect(report.isClean, "\(report.problems)")
        #expect(report.orphanBlobs.count == orphans)
        #expect(report.strayTemporaryFiles.isEmpty)
        switch step {
        case .afterBlobWrite, .afterBlobRename:
            #expect(store.versions(of: name("m")) == [1])
            _ = try store.collectGarbage(grace: 0)
            #expect(store.verify().orphanBlobs.isEmpty)
        case .afterManifestWrite, .beforeTagMove, .betweenTagFiles:
            // The new version is complete but untagged; publishing again carries on from it.
            #expect(store.versions(of: name("m")) == [1, 2])
            #expect(try store.load("m@2").checkpoint == modelCheckpoint(seed: 2))
        }
        let next = try store.publish(modelCheckpoint(seed: 3), as: name("m"), details: modelDetails())
        #expect(try store.resolve("m") == next)
        let after = store.verify()
        #expect(after.isClean && after.orphanBlobs.isEmpty && after.strayTemporaryFiles.isEmpty)
    }
}
