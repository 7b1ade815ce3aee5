// Making hostile model archives the way an attacker would: a real tiny model published with the
// wanted flaw into a scratch store that checks nothing (no validator, as a hand-edited zoo or an
// older kac would be), exported as a genuine archive; or a genuine archive whose manifest is
// edited and whose trailer is recomputed. Importing them into a validating store is the test.
import Foundation
import Generation
import KacFlow
import ModelStore
import NeuralNet
import TestSupport
import Vocabulary

struct HostileArchives {
    let directory = TemporaryDirectory(prefix: "kac-hostile-archive")
    /// The honest tiny teacher's details and weights.
    let details: ModelDetails
    let checkpoint: Checkpoint
    private var counter = 0

    init() throws {
        let source = directory.file("source-zoo")
        let manifest = try TinyModel.publish(into: source)
        let loaded = try ModelStore(root: source, create: false).load(manifest)
        details = loaded.manifest.details
        checkpoint = loaded.checkpoint
    }

    /// A validating store, as `kac` and `kacd` open one.
    static func validatingStore(at path: String) throws -> ModelStore {
        try ModelStore(root: path, create: true, configuration: .init(validator: ZooModelValidator()))
    }

    /// An archive of `checkpoint` with `details` (defaults: the honest ones), exported by a store that checks nothing.
    mutating func archive(
        details: ModelDetails? = nil, checkpoint: Checkpoint? = nil, dtype: TensorDType = .f32,
        name: String = "fashion-mnist/teacher"
    ) throws -> String {
        counter += 1
        let scratch = try ModelStore(root: directory.file("scratch-\(counter)"), create: true)
        let manifest = try scratch.publish(
            checkpoint ?? self.checkpoint, as: try ModelName(name), details: details ?? self.details, dtype: dtype)
        let path = directory.file("archive-\(counter).kacmodel")
        try scratch.export(.version(manifest.name, manifest.version), to: path)
        return path
    }

    /// A copy of the archive at `path` whose manifest JSON went through `edit`, with the trailer recomputed.
    mutating func editing(_ path: String, _ edit: (inout [String: Any]) -> Void) throws -> String {
        var (manifest, blob) = try Self.parts(of: [UInt8](Data(contentsOf: URL(fileURLWithPath: path))))
        edit(&manifest)
        counter += 1
        let edited = directory.file("edited-\(counter).kacmodel")
        try Data(Self.assemble(manifest: try JSONSerialization.data(withJSONObject: manifest), blob: blob))
            .write(to: URL(fileURLWithPath: edited))
        return edited
    }

    /// The manifest object and blob bytes of an archive (format in ModelStore+Archive.swift).
    static func parts(of bytes: [UInt8]) throws -> ([String: Any], [UInt8]) {
        func integer(at offset: Int) -> Int { (0..<8).reduce(0) { $0 | Int(bytes[offset + $1]) << (8 * $1) } }
        let manifestLength = integer(at: 16)
        let manifestBytes = bytes[24..<(24 + manifestLength)]
        let blobLength = integer(at: 24 + manifestLength)
        let blobStart = 24 + manifestLength + 8
        let manifest = try JSONSerialization.jsonObject(with: Data(manifestBytes)) as? [String: Any] ?? [:]
        return (manifest, Array(bytes[blobStart..<(blobStart + blobLength)]))
    }

    /// An archive of these manifest bytes and blob, trailer included.
    static func assemble(manifest: some Collection<UInt8>, blob: [UInt8]) -> [UInt8] {
        func append(_ value: Int, _ count: Int, _ bytes: inout [UInt8]) {
            for i in 0..<count { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * i))) }
        }
        var bytes = Array("KACMODEL".utf8)
        append(1, 4, &bytes)
        append(0, 4, &bytes)
        append(manifest.count, 8, &bytes)
        bytes += manifest
        append(blob.count, 8, &bytes)
        bytes += blob
        return bytes + Digest.sha256(of: bytes).bytes
    }

    /// The honest details with `edit` applied.
    func details(_ edit: (inout ModelDetails) -> Void) -> ModelDetails {
        var copy = details
        edit(&copy)
        return copy
    }

    /// The honest details with another UNet configuration.
    func details(unet edit: (inout UNetConfiguration) -> Void) throws -> ModelDetails {
        var configuration = TinyModel.configuration
        edit(&configuration)
        var copy = details
        copy.architecture = try ManifestCoding.object(NetworkArchitecture.unet(configuration))
        return copy
    }

    /// The honest weights with `edit` applied to tensor `index`'s values.
    func checkpoint(editingTensor index: Int, _ edit: (inout [Float]) -> Void) -> Checkpoint {
        var copy = checkpoint
        edit(&copy.tensors[index].values)
        return copy
    }
}

/// What a store holds: every model's versions (to check that a refused import changed nothing).
func inventory(_ store: ModelStore) -> [String] {
    store.models().flatMap { name in store.versions(of: name).map { "\(name)@\($0)" } }
}
