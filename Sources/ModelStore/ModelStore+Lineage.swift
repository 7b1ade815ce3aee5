// A model's lineage through the store: each manifest may record its parent's blob (a student its
// teacher's), and the parent is whichever manifest holds that blob. Walks stop at a model with no
// parent, at a parent this store does not hold, or after `lineageLimit` hops (a cycle cannot be
// published, but a hand-edited store must not hang a reader). Also the store-wide questions the CLI
// asks: which versions hold a blob, which data sets the models were trained on.
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
