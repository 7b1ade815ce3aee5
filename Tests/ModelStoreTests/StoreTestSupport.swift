// Shared fixtures for store tests: a fresh store in a per-test temporary directory, a fixed
// clock, and a details value with every optional field filled so manifests round-trip fully.
import Foundation
import Generation
import ModelStore
import NeuralNet
import TensorCore
import TestSupport
import Vocabulary

struct InjectedCrash: Error {}

/// A store under a new temporary directory. Optimised builds release objects after their last use,
/// so callers pin `directory` with `defer { withExtendedLifetime(directory) {} }`.
func makeStore(
    faults: PublishFaults = .none, limit: Int = 2 << 30,
    clock: @escaping @Sendable () -> Date = { Date(timeIntervalSince1970: 1_700_000_000) }
)
    throws -> (TemporaryDirectory, ModelStore)
{
    let directory = TemporaryDirectory(prefix: "kac-zoo")
    let store = try ModelStore(
        root: directory.file("zoo"),
        configuration: ModelStore.Configuration(
            maximumCheckpointBytes: limit, clock: clock, faults: faults))
    return (directory, store)
}

func teacherDetails() throws -> ModelDetails {
    ModelDetails(
        kind: .teacher,
        architecture: [
            "baseWidth": .integer(32), "multipliers": .array([.integer(1), .integer(2), .integer(2)]),
            "attention": .bool(true), "dropout": .number(0.1), "name": .string("unet"),
        ],
        kac: KacParameters(dampingRate: 9, speed: 3, horizon: 1, schedule: .linear),
        sampler: SamplingSettings(integrator: .ab2, steps: 100, guidance: 1.5),
        parent: try Digest(parsing: "sha256:" + String(repeating: "ab", count: 32)),
        dataset: DatasetReference(name: "fashion-mnist", digest: Digest.sha256(of: Array("data".utf8))),
        trainingCommand: "kac train --steps 3900", seed: 7, trainingSteps: 3900,
        evaluations: [EvaluationResult(steps: 100, frechetDistance: 12.5, classAccuracy: 0.946, imagesPerSecond: 3.2)])
}

/// The architecture of `modelCheckpoint`: an MLP velocity network of 2-D points (width 8: a blob
/// under 1 KiB, so `kac zoo list` prints its size in bytes).
func fixtureArchitecture(hiddenWidth: Int = 8) -> NetworkArchitecture {
    .mlp(MLPVelocityConfiguration(dimension: 2, hiddenWidth: hiddenWidth, hiddenLayers: 1, embeddingWidth: 2, classCount: 0))
}

/// The weights of a real (tiny) model, distinct per seed: what `kac zoo` commands accept, since
/// they check every model they touch (`sampleCheckpoint` is only a container).
func modelCheckpoint(seed: UInt64 = 1, hiddenWidth: Int = 8) -> Checkpoint {
    var random = RandomSource(seed: seed)
    let parameters = fixtureArchitecture(hiddenWidth: hiddenWidth).makeNetwork(random: &random).parameters
    return Checkpoint(tensors: parameters.namedTensors(), metadata: ["kac.kind": "teacher"])
}

/// `base` describing `modelCheckpoint`'s network (its architecture; Kac parameters and a default
/// sampler when `base` has none).
func modelDetails(_ base: ModelDetails = ModelDetails(kind: .teacher), hiddenWidth: Int = 8) -> ModelDetails {
    var details = base
    details.architecture = (try? ManifestCoding.object(fixtureArchitecture(hiddenWidth: hiddenWidth))) ?? [:]
    details.kac = details.kac ?? KacParameters()
    details.sampler = details.sampler ?? SamplingSettings(steps: 2)
    return details
}

func name(_ text: String) -> ModelName {
    guard let name = try? ModelName(text) else { preconditionFailure("bad test name \(text)") }
    return name
}

func tag(_ text: String) -> TagName {
    guard let tag = try? TagName(text) else { preconditionFailure("bad test tag \(text)") }
    return tag
}

/// Overwrites `path` with `bytes` directly (to damage store files on purpose).
func clobber(_ path: String, with bytes: [UInt8]) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

func contents(_ path: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
}
