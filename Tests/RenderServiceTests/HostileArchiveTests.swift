// The hostile model archives that used to pass `kac zoo import` (and then crashed workers or
// exhausted memory), each refused at the door with its field named, the store left unchanged;
// archive paths that are not files; and the check running at load and verify too, for a zoo whose
// files were written by something that checked nothing.
import Foundation
import Generation
import Glibc
import ModelStore
import NeuralNet
import TestSupport
import Testing
import Vocabulary

@Suite struct HostileArchiveTests {
    /// Imports `path` into a fresh validating store; returns the field of the `invalidModel` error.
    func refusedField(_ path: String) throws -> String? {
        let zoo = TemporaryDirectory(prefix: "kac-hostile-zoo")
        let store = try HostileArchives.validatingStore(at: zoo.path)
        defer { #expect(inventory(store).isEmpty, "a refused import added a version") }
        do {
            try store.importArchive(from: path)
        } catch let ModelStoreError.invalidModel(_, error) {
            return error.field
        }
        return nil
    }

    @Test func kacParametersOutOfTheirDomainAreRefused() throws {
        var archives = try HostileArchives()
        let edits: [(inout KacParameters) -> Void] = [
            { $0.speed = 0 }, { $0.horizon = 0 }, { $0.dampingRate = -1 }, { $0.speed = -3 }, { $0.dampingRate = 1e9 },
        ]
        for edit in edits {
            let path = try archives.archive(details: archives.details { details in edit(&details.kac!) })
            #expect(try refusedField(path) == "kac")
        }
        let zoo = TemporaryDirectory(prefix: "kac-honest-zoo")
        let store = try HostileArchives.validatingStore(at: zoo.path)
        try store.importArchive(from: try archives.archive())
        #expect(inventory(store) == ["fashion-mnist/teacher@1"], "the honest archive imports")
    }

    @Test func declarationsThatDoNotFitAreRefused() throws {
        var archives = try HostileArchives()
        let names = (0..<200_000).map { "c\($0)" }
        let cases: [(String, ModelDetails)] = [
            ("sampler", archives.details { $0.sampler?.steps = 1_000_000_000 }),
            ("sampler", archives.details { $0.sampler?.guidance = 1e300 }),
            ("classNames", archives.details { $0.classNames = names }),
            ("classNames", archives.details { $0.classNames = (0..<10).map { $0 == 3 ? "dress\u{1B}]0;owned\u{07}" : "c\($0)" } }),
            (
                "architecture.imageHeight",
                try archives.details {
                    $0.imageHeight = 100_000; $0.imageWidth = 100_000
                }
            ),
            ("architecture.imageChannels", try archives.details { $0.imageChannels = 4 }),
            ("architecture.groupCount", try archives.details { $0.groupCount = 0 }),
            ("architecture.classCount", try archives.details { $0.classCount = 200_000 }),
            (
                "architecture",
                try archives.details {
                    $0.baseWidth = 1024; $0.widthMultipliers = [16, 16]
                }
            ),
            ("weights", try archives.details { $0.baseWidth = 16 }),
            // 1024 × 1024 at width 64: few parameters, but 8 GiB for one activation of a render.
            ("architecture", try archives.details { $0.imageHeight = 1024; $0.imageWidth = 1024; $0.baseWidth = 64 }),
            ("evaluations", archives.details { $0.evaluations = [EvaluationResult(steps: -4)] }),
            ("trainingCommand", archives.details { $0.trainingCommand = "kac train\u{1B}]0;owned\u{07}" }),
            ("dataset.name", archives.details { $0.dataset = DatasetReference(name: "fashion\nmnist") }),
        ]
        for (field, details) in cases {
            #expect(try refusedField(try archives.archive(details: details)) == field, "\(field)")
        }
    }

    @Test func weightsThatAreNotTheArchitecturesAreRefused() throws {
        var archives = try HostileArchives()
        var missing = archives.checkpoint
        missing.tensors.removeLast()
        var renamed = archives.checkpoint
        renamed.tensors[0].name = "stranger.weight"
        let count = archives.checkpoint.tensors[0].values.count
        let weights: [Checkpoint] = [
            missing, renamed,
            archives.checkpoint(editingTensor: 0) { $0 = [Float](repeating: .nan, count: count) },
            archives.checkpoint(editingTensor: 0) { $0 = [Float](repeating: .infinity, count: count) },
            archives.checkpoint(editingTensor: 2) { $0[$0.count / 2] = .nan },
        ]
        for checkpoint in weights {
            #expect(try refusedField(try archives.archive(checkpoint: checkpoint)) == "weights")
        }
        // f16 overflows to infinity: refused too.
        let huge = archives.checkpoint(editingTensor: 1) { $0[0] = 1e6 }
        #expect(try refusedField(try archives.archive(checkpoint: huge, dtype: .f16)) == "weights")
    }

    @Test func declaredSizesBeyondTheArchitectureAreRefusedBeforeDecompressing() throws {
        var archives = try HostileArchives()
        // A blob declared just under the 2 GiB cap: refused from the manifest, never decompressed.
        let bomb = try archives.editing(try archives.archive()) { $0["uncompressedSize"] = (2 << 30) - 1 }
        #expect(try refusedField(bomb) == "uncompressedSize")
        // A safetensors header of 100,000 extra tensors: more header than the architecture has room for.
        var crowded = archives.checkpoint
        crowded.tensors += (0..<100_000).map { NamedTensor(name: "extra.\($0)", shape: [1], values: [0]) }
        #expect(try refusedField(try archives.archive(checkpoint: crowded)) == "uncompressedSize")
    }

    @Test func archivePathsThatAreNotFilesAreRefusedAtOnce() throws {
        let directory = TemporaryDirectory(prefix: "kac-hostile-path")
        let store = try HostileArchives.validatingStore(at: directory.file("zoo"))
        let fifo = directory.file("archive.fifo")
        #expect(mkfifo(fifo, 0o600) == 0)
        try FileManager.default.createDirectory(atPath: directory.file("folder"), withIntermediateDirectories: true)
        for (path, kind) in [(fifo, "FIFO"), (directory.file("folder"), "directory")] {
            #expect(throws: ModelStoreError.notAFile(path: path, kind: kind)) { try store.importArchive(from: path) }
        }
    }

    /// A zoo written by something that checked nothing: load and verify refuse what import would have.
    @Test func loadAndVerifyRunTheSameChecks() throws {
        let zoo = TemporaryDirectory(prefix: "kac-hostile-zoo")
        var archives = try HostileArchives()
        let unchecked = try ModelStore(root: zoo.path, create: true)
        let forged = try unchecked.publish(
            archives.checkpoint, as: try ModelName("fashion-mnist/student-1"),
            details: archives.details { $0.kac?.speed = 0 })
        _ = try archives.archive()
        let store = try HostileArchives.validatingStore(at: zoo.path)
        #expect(throws: ModelStoreError.self) { _ = try store.load(forged) }
        #expect(throws: ZooModelError.self) { _ = try ZooVelocityModel.load(forged, from: unchecked) }
        let report = store.verify()
        #expect(report.problems.count == 1 && report.problems[0].description.contains("kac speed is 0.0"), "\(report.problems)")
        #expect(unchecked.verify().problems.isEmpty, "without a validator only the container is checked")
        #expect(throws: ModelStoreError.self) {
            try store.publish(archives.checkpoint, as: try ModelName("x"), details: archives.details { $0.kac?.horizon = -1 })
        }
    }
}
