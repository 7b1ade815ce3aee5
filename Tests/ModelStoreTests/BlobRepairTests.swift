// Publishing repairs: a blob that fails its digest is replaced by the good copy a publish of the
// same weights writes (the damaged file is moved aside into tmp/ for gc), where before the damaged
// blob was kept because a blob with that name already existed.
import Foundation
import ModelStore
import TestSupport
import Testing

@Suite struct BlobRepairTests {
    @Test func publishingTheSameWeightsReplacesADamagedBlob() throws {
        let (directory, store) = try makeStore()
        defer { withExtendedLifetime(directory) {} }
        let first = try store.publish(sampleCheckpoint(), as: name("m"), details: ModelDetails(kind: .teacher))
        let path = store.blobPath(first.blob)
        var blob = try contents(path)
        blob[3] ^= 0x20
        try clobber(path, with: blob)
        #expect(!store.verify().isClean)
        #expect(throws: ModelStoreError.self) { try store.load(.version(name("m"), 1)) }

        let second = try store.publish(sampleCheckpoint(), as: name("m"), details: ModelDetails(kind: .teacher))
        #expect(second.blob == first.blob)
        #expect(store.verify().problems.isEmpty, "\(store.verify().problems)")
        #expect(try store.load(.version(name("m"), 1)).checkpoint == sampleCheckpoint())
        let aside = try FileManager.default.contentsOfDirectory(atPath: store.root + "/tmp").filter { $0.hasPrefix("damaged-") }
        #expect(aside.count == 1, "the damaged copy is kept in tmp/ until gc: \(aside)")
        #expect(store.verify().strayTemporaryFiles.contains { $0.hasSuffix("/" + aside[0]) }, "listed as litter `kac zoo gc` sweeps")
    }

    @Test func anIntactBlobIsLeftAlone() throws {
        let (directory, store) = try makeStore()
        defer { withExtendedLifetime(directory) {} }
        let first = try store.publish(sampleCheckpoint(), as: name("m"), details: ModelDetails(kind: .teacher))
        let inode = try FileManager.default.attributesOfItem(atPath: store.blobPath(first.blob))[.systemFileNumber] as? Int
        _ = try store.publish(sampleCheckpoint(), as: name("m"), details: ModelDetails(kind: .teacher))
        #expect(try FileManager.default.attributesOfItem(atPath: store.blobPath(first.blob))[.systemFileNumber] as? Int == inode)
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.root + "/tmp").isEmpty)
    }
}
