// Models kept in memory between jobs. Weights are cached by blob digest (evicted least recently
// used above a byte budget; one model larger than the budget is still used, alone), but a model's
// identity and settings always come from the manifest the request resolved to: two versions that
// share a blob render with their own sampler defaults and class names, whatever was loaded first.
// References and goals are resolved once and remembered until `reloadTags()` (SIGHUP), so a
// daemon keeps rendering the versions it started with until the operator says the zoo changed.
// Several workers share one loaded model: its weights are held once, and each sampling call
// checks out scratch of its own, which the budget counts with the weights. Loads are made one at a
// time, so two workers asking for the same model at once load it once. An evicted model stays in
// memory while a job still renders with it: with N workers, up to N models can be resident even
// when the budget holds fewer.
import Foundation
import Generation
import ModelStore
import Vocabulary

public final class ModelCache: @unchecked Sendable {
    public let store: ModelStore
    public let capacityBytes: Int

    private struct Entry {
        let model: ZooVelocityModel
        var lastUse: UInt64
        /// Read at each eviction: grows when the model is first sampled in bf16, and with the
        /// scratch of each sampling call that ran at once.
        var bytes: Int { model.memoryBytes }
    }

    private let lock = NSLock()
    /// Held while loading from the store (never while `lock` is held).
    private let loadLock = NSLock()
    private var entries: [Digest: Entry] = [:]
    private var references: [ModelReference: ModelManifest] = [:]
    private struct SelectionKey: Hashable {
        let goal: SelectionGoal
        let dataset: DatasetName?
    }
    private var selections: [SelectionKey: (ModelSelection, ModelManifest)] = [:]
    private var useCounter: UInt64 = 0

    public init(store: ModelStore, capacityBytes: Int) {
        self.store = store
        self.capacityBytes = capacityBytes
    }

    /// The manifest `reference` names.
    public func resolve(_ reference: ModelReference) throws(RenderError) -> ModelManifest {
        if let known = lock.withLock({ references[reference] }) { return known }
        let manifest: ModelManifest
        do { manifest = try store.resolve(reference) } catch ModelStoreError.notFound(_, let reason) {
            throw RenderError.modelNotFound(reference: reference.description, reason: reason)
        } catch {
            throw RenderError.modelUnavailable(reference: reference.description, reason: Reason(cause: error))
        }
        lock.withLock { references[reference] = manifest }
        return manifest
    }

    /// The model a goal selects among `dataset`'s models (nil: the zoo's default; see
    /// `ModelSelector`) and the manifest it chose.
    public func select(_ goal: SelectionGoal, dataset: DatasetName? = nil) throws(RenderError) -> (ModelSelection, ModelManifest) {
        let key = SelectionKey(goal: goal, dataset: dataset)
        if let known = lock.withLock({ selections[key] }) { return known }
        let chosen = try ModelSelector.select(goal, dataset: dataset, from: store)
        lock.withLock { selections[key] = chosen }
        return chosen
    }

    /// The model `manifest` describes: its weights from memory (by blob) or from the store,
    /// described by `manifest` itself.
    public func model(_ manifest: ModelManifest) throws(RenderError) -> ZooVelocityModel {
        if let hit = try cached(manifest) { return hit }
        loadLock.lock()
        defer { loadLock.unlock() }
        // Another worker may have loaded it while this one waited for the load lock.
        if let hit = try cached(manifest) { return hit }
        let model: ZooVelocityModel
        do { model = try ZooVelocityModel.load(manifest, from: store) } catch {
            throw RenderError.loading(manifest.label, error)
        }
        let bytes = model.memoryBytes
        lock.withLock {
            while !entries.isEmpty, entries.values.reduce(0, { $0 + $1.bytes }) + bytes > capacityBytes,
                let oldest = entries.min(by: { $0.value.lastUse < $1.value.lastUse })?.key
            {
                entries[oldest] = nil
            }
            entries[manifest.blob] = Entry(model: model, lastUse: useCounter)
        }
        return model
    }

    /// The model from memory, described by `manifest`; nil when its blob is not loaded.
    private func cached(_ manifest: ModelManifest) throws(RenderError) -> ZooVelocityModel? {
        let hit: ZooVelocityModel? = lock.withLock {
            useCounter += 1
            guard var entry = entries[manifest.blob] else { return nil }
            entry.lastUse = useCounter
            entries[manifest.blob] = entry
            return entry.model
        }
        do { return try hit?.describedBy(manifest) } catch { throw RenderError.loading(manifest.label, error) }
    }

    /// Forgets resolved references and selections (SIGHUP); loaded weights stay cached by digest.
    public func reloadTags() {
        lock.withLock {
            references.removeAll()
            selections.removeAll()
        }
    }

    /// Digests currently in memory, most recently used first.
    public var loadedDigests: [Digest] {
        lock.withLock { entries.sorted { $0.value.lastUse > $1.value.lastUse }.map(\.key) }
    }
}
