// A model's lineage through the store: each manifest may record its parent's blob (a student its
// teacher's), and the parent is whichever manifest holds that blob. Walks stop at a model with no
// parent, at a parent this store does not hold, or after `lineageLimit` hops (a cycle cannot be
// published, but a hand-edited store must not hang a reader). Also the store-wide questions the CLI
// asks: which versions hold a blob, which data sets the models were trained on, the listing.
import Foundation
import Vocabulary

extension ModelStore {
    /// More hops than any real distillation chain has (a teacher and four students).
    public static let lineageLimit = 32

    /// The manifest holding `manifest`'s parent blob; nil when it records no parent.
    public func parent(of manifest: ModelManifest) throws -> ModelManifest? {
        guard let parent = manifest.details.parent else { return nil }
        return try resolve(ModelReference(parsing: parent.description))
    }

    /// `manifest`, then its parent, its parent's parent…, leniently: a parent the store cannot
    /// resolve ends the list.
    public func lineage(from manifest: ModelManifest) -> [ModelManifest] {
        var result = [manifest]
        while result.count <= Self.lineageLimit, let last = result.last, let next = try? parent(of: last) {
            result.append(next)
        }
        return result
    }

    /// Every readable manifest, by name and then version.
    public func allManifests() -> [ModelManifest] {
        models().flatMap { name in versions(of: name).compactMap { try? manifest(name, version: $0) } }
    }

    /// "NAME@VERSION" of every version whose blob is `digest`.
    public func holders(of digest: Digest) -> [String] {
        allManifests().filter { $0.blob == digest }.map { "\($0.name)@\($0.version)" }
    }

    /// The data set names the store's teachers and students record, sorted.
    public func datasetNames() -> [String] {
        Set(allManifests().filter { $0.details.kind != .classifier }.compactMap { $0.details.dataset?.name }).sorted()
    }
}

/// One version as `kac zoo list` shows it: a damaged manifest is a row with its error, not a failure.
public struct ModelListing: Encodable, Sendable {
    public var name: String
    public var version: Int
    public var tags: [String]
    public var kind: String?
    public var dataset: String?
    public var dtype: String?
    public var compressedSize: Int?
    public var created: Date?
    /// Why the manifest cannot be read (the store's error kept as the cause); encoded as its words.
    public var error: Reason?
}

extension ModelStore {
    /// Every version of every model, with the tags pointing at it.
    public func listing() -> [ModelListing] {
        models().flatMap { name in
            let tags = (try? self.tags(of: name)) ?? [:]
            return versions(of: name).map { version in
                let tagged = tags.filter { $0.value == version }.keys.map(\.description).sorted()
                do {
                    let manifest = try manifest(name, version: version)
                    return ModelListing(
                        name: name.description, version: version, tags: tagged, kind: manifest.details.kind.rawValue,
                        dataset: manifest.details.dataset?.name, dtype: manifest.dtype.rawValue,
                        compressedSize: manifest.compressedSize, created: manifest.created)
                } catch {
                    return ModelListing(name: name.description, version: version, tags: tagged, error: Reason(cause: error))
                }
            }
        }
    }
}
