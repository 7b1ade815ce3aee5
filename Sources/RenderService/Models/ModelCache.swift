// Models kept in memory between jobs: networks keyed by blob digest, evicted least recently used
// above a byte budget (f32 parameters; one model larger than the budget is still used, alone).
// References and goals are resolved once and remembered until `reloadTags()` (SIGHUP), so a
// daemon keeps rendering the versions it started with until the operator says the zoo changed.
import Foundation
import ModelStore
import Training

public final class ModelCache: @unchecked Sendable {
    public let store: ModelStore
    public let capacityBytes: Int

    private struct Entry {
        let model: ZooVelocityModel
        let bytes: Int
        var lastUse: UInt64
    }

    private let lock = NSLock()
    private var entries: [Digest: Entry] = [:]
    private var references: [String: ModelManifest] = [:]
    private var selections: [SelectionGoal: ModelSelection] = [:]
    private var useCounter: UInt64 = 0

    public init(store: ModelStore, capacityBytes: Int) {
        self.store = store
        self.capacityBytes = capacityBytes
    }

    /// The manifest `reference` names (`name`, `name:tag`, `name@version`, `sha256-…`).
    public func resolve(_ reference: String) throws(RenderError) -> ModelManifest {
        if let known = lock.withLock({ references[reference] }) { return known }
        let manifest: ModelManifest
        do { manifest = try store.resolve(reference) } catch {
            throw RenderError.modelUnavailable(reference: reference, reason: "\(error)")
        }
        lock.withLock { references[reference] = manifest }
        return manifest
    }

    /// The model a goal selects (see `ModelSelector`).
    public func select(_ goal: SelectionGoal) throws(RenderError) -> ModelSelection {
        if let known = lock.withLock({ selections[goal] }) { return known }
        let selection = try ModelSelector.select(goal, from: store)
        lock.withLock { selections[goal] = selection }
        return selection
    }

    /// The loaded network of `manifest`, from memory or from the store.
    public func model(_ manifest: ModelManifest) throws(RenderError) -> ZooVelocityModel {
        let hit: ZooVelocityModel? = lock.withLock {
            useCounter += 1
            guard var entry = entries[manifest.blob] else { return nil }
            entry.lastUse = useCounter
            entries[manifest.blob] = entry
            return entry.model
        }
        if let hit { return hit }
        let label = "\(manifest.name)@\(manifest.version)"
        let model: ZooVelocityModel
        do { model = try ZooVelocityModel.load(label, from: store) } catch {
            throw RenderError.modelUnavailable(reference: label, reason: "\(error)")
        }
        guard model.manifest.blob == manifest.blob else {
            throw RenderError.modelUnavailable(reference: label, reason: "its blob changed while loading (\(model.manifest.blob) ≠ \(manifest.blob)); retry")
        }
        let bytes = model.network.parameters.scalarCount * MemoryLayout<Float>.size
        lock.withLock {
            while !entries.isEmpty, entries.values.reduce(0, { $0 + $1.bytes }) + bytes > capacityBytes,
                  let oldest = entries.min(by: { $0.value.lastUse < $1.value.lastUse })?.key {
                entries[oldest] = nil
            }
            entries[manifest.blob] = Entry(model: model, bytes: bytes, lastUse: useCounter)
        }
        return model
    }

    /// Forgets resolved references and selections (SIGHUP); loaded networks stay cached by digest.
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
