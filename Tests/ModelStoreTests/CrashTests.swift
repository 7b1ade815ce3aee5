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
    @Test(arguments: PublishStep.allCases)
    func inProcessCrashLeavesStoreConsistent(step: PublishStep) throws {
        let (directory, store) = try makeStore()
        defer { withExtendedLifetime(directory) {} }
        let old = try store.publish(sampleCheckpoint(seed: 1), as: name("m"), details: ModelDetails(kind: .teacher))
        var crashing = store
        crashing.configuration.faults = PublishFaults { if $0 == step { throw InjectedCrash() } }
        #expect(throws: InjectedCrash.self) {
            try crashing.publish(sampleCheckpoint(seed: 2), as: name("m"), details: ModelDetails(kind: .teacher))
        }
        try checkConsistent(store, old: old, step: step, orphans: step == .afterBlobRename ? 1 : 0)
    }

    @Test(arguments: PublishStep.allCases)
    func killedImporterLeavesStoreConsistent(step: PublishStep) throws {
        let (directory, store) = try makeStore(clock: { Date() })
        defer { withExtendedLifetime(directory) {} }
        let old = try store.publish(sampleCheckpoint(seed: 1), as: name("m"), details: ModelDetails(kind: .teacher))
        let (sourceDirectory, source) = try makeStore()
        defer { withExtendedLifetime(sourceDirectory) {} }
        try source.publish(sampleCheckpoint(seed: 2), as: name("m"), details: ModelDetails(kind: .teacher))
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

    private func checkConsistent(_ store: ModelStore, old: ModelManifest, step: PublishStep, orphans: Int) throws {
        #expect(try store.load("m").checkpoint == sampleCheckpoint(seed: 1), "latest must still load the old model")
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
        case .afterManifestWrite, .beforeTagMove:
            // The new version is complete but untagged; publishing again carries on from it.
            #expect(store.versions(of: name("m")) == [1, 2])
            #expect(try store.load("m@2").checkpoint == sampleCheckpoint(seed: 2))
        }
        let next = try store.publish(sampleCheckpoint(seed: 3), as: name("m"), details: ModelDetails(kind: .teacher))
        #expect(try store.resolve("m") == next)
        let after = store.verify()
        #expect(after.isClean && after.orphanBlobs.isEmpty && after.strayTemporaryFiles.isEmpty)
    }
}
