// Store-wide settings kept in `zoo.json` beside the layout version. Today one: the default data
// set, which quality presets (`"quality": "fastest"`, `maxSteps`) choose among when a job does not
// name a data set. It is read afresh on every call, so a running kacd sees a change at its next
// selection after SIGHUP; it is rewritten atomically, keeping the marker's other fields.
import Vocabulary

extension ModelStore {
    var markerPath: String { root + "/zoo.json" }

    /// The data set named in `zoo.json` (`kac zoo default-dataset NAME`), or nil when none is set.
    public func defaultDataset() throws -> DatasetName? {
        guard let bytes = try StoreJSON.read(markerPath) else { throw ModelStoreError.noStore(path: root) }
        let marker = try StoreJSON.decode(StoreMarker.self, from: bytes, path: markerPath, supported: Self.schemaVersion)
        guard let text = marker.defaultDataset else { return nil }
        do { return try DatasetName(parsing: text) } catch {
            throw ModelStoreError.corruptManifest(path: markerPath, reason: Reason("defaultDataset", cause: error))
        }
    }

    /// Sets (or, with nil, removes) the default data set in `zoo.json`.
    public func setDefaultDataset(_ dataset: DatasetName?) throws {
        guard let bytes = try StoreJSON.read(markerPath) else { throw ModelStoreError.noStore(path: root) }
        var marker = try StoreJSON.decode(StoreMarker.self, from: bytes, path: markerPath, supported: Self.schemaVersion)
        marker.defaultDataset = dataset?.text
        _ = try StoreJSON.write(marker, to: markerPath)
    }
}
