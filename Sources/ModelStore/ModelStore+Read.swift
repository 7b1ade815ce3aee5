import Foundation
// Reading: resolving references to manifests, and loading blobs with streaming decompression
// that hashes the compressed bytes, never holds more than the manifest declares, and checks
// digest and size before the checkpoint is parsed.
import Vocabulary

#if canImport(Glibc)
import Glibc
#endif

/// A loaded model: its weights and the manifest that describes them.
public struct LoadedModel: Sendable {
    public var checkpoint: Checkpoint
    public var manifest: ModelManifest
}

extension ModelStore {
    /// All model names in the store, sorted (namespaced names included).
    public func models() -> [ModelName] {
        var names: [ModelName] = []
        for first in entries(of: modelsDirectory) {
            guard let outer = try? ModelName(first) else { continue }
            if isModelDirectory(modelDirectory(outer)) { names.append(outer) }
            for second in entries(of: modelDirectory(outer)) {
                if let inner = try? ModelName(first + "/" + second), isModelDirectory(modelDirectory(inner)) { names.append(inner) }
            }
        }
        return names.sorted()
    }

    /// " (did you mean NAME?)" for the stored model name closest to `name`, or "".
    func nameSuggestion(for name: ModelName) -> String {
        Spelling.closest(to: name.description, among: models().map(\.description)).map { " (did you mean \($0)?)" } ?? ""
    }

    private func isModelDirectory(_ path: String) -> Bool {
        entries(of: path).contains { $0 == "tags.json" || $0.hasSuffix(".json") || $0.hasSuffix(".removed") }
    }

    /// The manifest of `name@version`, validated against its path and this store's limits.
    public func manifest(_ name: ModelName, version: Int) throws -> ModelManifest {
        let path = manifestPath(name, version: version)
        guard let bytes = try StoreJSON.read(path) else {
            let reason = versions(of: name).isEmpty ? "no model called \(name)" + nameSuggestion(for: name) : "there is no \(path)"
            throw ModelStoreError.notFound("\(name)@\(version)", reason: reason)
        }
        let manifest = try StoreJSON.decode(ModelManifest.self, from: bytes, path: path, supported: ModelManifest.currentSchema)
        guard manifest.name == name, manifest.version == version else {
            throw ModelStoreError.corruptManifest(path: path, reason: "it claims to be \(manifest.name)@\(manifest.version)")
        }
        let limit = configuration.maximumCheckpointBytes
        for (field, size) in [("uncompressedSize", manifest.uncompressedSize), ("compressedSize", manifest.compressedSize)] {
            guard size >= 0 else { throw ModelStoreError.corruptManifest(path: path, reason: "\(field) is negative") }
            // zstd's worst case expands incompressible data by well under 1 %; allow the frame overhead.
            guard size <= limit + limit / 64 + 4096 else {
                throw ModelStoreError.sizeLimitExceeded(path: path, declared: size, limit: limit)
            }
        }
        return manifest
    }

    /// Resolves a textual reference (`NAME`, `NAME:TAG`, `NAME@VERSION`, `sha256-<prefix>`).
    public func resolve(_ text: String) throws -> ModelManifest {
        let reference: ModelReference
        do { reference = try ModelReference(parsing: text) } catch { throw ModelStoreError.invalidReference(error) }
        return try resolve(reference)
    }

    /// The manifest `reference` names. A digest prefix is looked up in every readable manifest:
    /// an unreadable manifest of another model does not stop the lookup (it is named in the
    /// not-found message, since it might have been the one).
    public func resolve(_ reference: ModelReference) throws -> ModelManifest {
        switch reference {
        case let .version(name, version):
            return try manifest(name, version: version)
        case let .tag(name, tag):
            guard let version = try readTags(name).tags[tag.description] else {
                let known = versions(of: name)
                throw ModelStoreError.notFound(
                    reference.description,
                    reason: known.isEmpty
                        ? "no model called \(name)" + nameSuggestion(for: name)
                        : "tag \(tag) is not set (versions: \(known.map(String.init).joined(separator: ", ")))")
            }
            return try manifest(name, version: version)
        case let .digestPrefix(hex):
            var matches: [ModelManifest] = []
            var unreadable: [String] = []
            for name in models() {
                for version in versions(of: name) {
                    do {
                        let found = try manifest(name, version: version)
                        if found.blob.hex.hasPrefix(hex) { matches.append(found) }
                    } catch {
                        unreadable.append("\(name)@\(version)")
                    }
                }
            }
            guard let newest = matches.max(by: { ($0.name, $0.version) < ($1.name, $1.version) }) else {
                let skipped =
                    unreadable.isEmpty
                    ? ""
                    : "; \(unreadable.count) manifest(s) could not be read and were not searched: "
                        + unreadable.joined(separator: ", ") + " (run `kac zoo verify`)"
                throw ModelStoreError.notFound(reference.description, reason: "no manifest references a blob with that prefix" + skipped)
            }
            // Identical weights published twice under one name are not ambiguous: take the newest.
            if Set(matches.map(\.blob)).count > 1 || Set(matches.map(\.name)).count > 1 {
                throw ModelStoreError.ambiguousReference(
                    reference.description,
                    candidates: matches.map { "\($0.name)@\($0.version) (\($0.blob.short))" })
            }
            return newest
        }
    }

    /// The verified checkpoint of a manifest already resolved (no second lookup by name).
    public func load(_ manifest: ModelManifest) throws -> LoadedModel {
        let bytes = try readBlob(manifest)
        let checkpoint = try Safetensors.decode(bytes, source: blobPath(manifest.blob))
        try checkWeights(checkpoint, details: manifest.details, model: "\(manifest.name)@\(manifest.version)")
        return LoadedModel(checkpoint: checkpoint, manifest: manifest)
    }

    /// Resolves `reference`, then loads and verifies its weights.
    public func load(_ reference: ModelReference) throws -> LoadedModel { try load(try resolve(reference)) }

    public func load(_ text: String) throws -> LoadedModel { try load(try resolve(text)) }

    /// The uncompressed safetensors bytes of `manifest`'s blob, verified against its digest and sizes.
    /// The details are validated first (with a validator), so nothing larger than what a real model
    /// of the declared architecture needs is ever allocated.
    public func readBlob(_ manifest: ModelManifest) throws -> [UInt8] {
        try validateDetails(of: manifest)
        let path = blobPath(manifest.blob)
        var output: [UInt8] = []
        output.reserveCapacity(manifest.uncompressedSize)
        let declared = manifest.uncompressedSize
        try scanBlob(path, expected: manifest.blob, expectedSize: manifest.compressedSize) { chunk in
            guard output.count + chunk.count <= declared else {
                throw ModelStoreError.corruptBlob(
                    path: path,
                    reason: "it decompresses to more than the \(declared) bytes "
                        + "the manifest declares (decompression bomb or wrong manifest)")
            }
            output.append(contentsOf: chunk)
        }
        guard output.count == declared else {
            throw ModelStoreError.corruptBlob(
                path: path, reason: "it decompresses to \(output.count) bytes, the manifest declares \(declared)")
        }
        return output
    }
}
