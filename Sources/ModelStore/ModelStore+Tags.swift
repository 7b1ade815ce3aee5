import DiskIO
import Foundation
// Tags: movable names for versions, kept in `tags.json` with every move appended to
// `tag-history.json`. Both files are rewritten atomically under an exclusive flock on the model's
// `.lock`, so concurrent moves never lose an update. `tags.json` is written first and the history
// after it: a crash between the two leaves a history that lacks the last move, never one that
// records a move that did not happen. `verify` reports the gap (`tagHistoryMismatches`), and the
// next move of that tag — `kac zoo tag NAME@V TAG` even to its current version — records it.
import Vocabulary

extension ModelStore {
    /// Tag → version for `name` (empty when the model has no tags yet).
    public func tags(of name: ModelName) throws -> [TagName: Int] {
        let file = try readTags(name)
        var result: [TagName: Int] = [:]
        for (tag, version) in file.tags { result[try TagName(tag)] = version }
        return result
    }

    /// Every recorded tag move of `name`, oldest first.
    public func tagHistory(of name: ModelName) throws -> [TagEvent] {
        let path = historyPath(name)
        guard let bytes = try StoreJSON.read(path) else { return [] }
        return try StoreJSON.decode(TagHistory.self, from: bytes, path: path, supported: TagHistory.schemaVersion).events
    }

    /// Points `tag` at the version `reference` resolves to.
    @discardableResult
    public func tag(_ reference: ModelReference, as tag: TagName) throws -> ModelManifest {
        let manifest = try resolve(reference)
        try updateTags(of: manifest.name) { _ in [(tag, manifest.version, .tag)] }
        return manifest
    }

    /// Moves `tag` back to the version it pointed at before its current target was set by a
    /// publish or tag move (rollbacks are skipped, so repeated rollbacks walk further back).
    @discardableResult
    public func rollback(_ name: ModelName, tag: TagName = .latest) throws -> (from: Int, to: Int) {
        var result = (from: 0, to: 0)
        try updateTags(of: name) { current in
            guard let target = current[tag.description] else {
                throw ModelStoreError.notFound("tag \(name):\(tag)", reason: "the tag is not set")
            }
            let history = try tagHistory(of: name)
            let previous = history.last { $0.tag == tag.description && $0.to == target && ($0.reason == .publish || $0.reason == .tag) }
            guard let event = previous, let earlier = event.from else {
                throw ModelStoreError.refused(
                    "\(name):\(tag) has no earlier target in \(historyPath(name)); "
                        + "use `kac zoo tag \(name)@VERSION \(tag)` to point it explicitly")
            }
            guard FileManager.default.fileExists(atPath: manifestPath(name, version: earlier)) else {
                throw ModelStoreError.refused(
                    "\(name):\(tag) was at version \(earlier) before, but that version was removed; "
                        + "use `kac zoo tag \(name)@VERSION \(tag)` to choose another")
            }
            result = (target, earlier)
            return [(tag, earlier, .rollback)]
        }
        return result
    }

    // XXX: tag-history.json grows by one event per move and is rewritten whole each time; trim it
    // (keeping each tag's chain) if models ever see thousands of tag moves.

    /// Applies the moves `plan` computes from the current tags, under the model's lock. A move to
    /// nil (version 0 is never used) deletes the tag.
    func updateTags(
        of name: ModelName,
        _ plan: (_ current: [String: Int]) throws -> [(TagName, Int?, TagEvent.Reason)]
    ) throws {
        try makeDirectory(modelDirectory(name))
        try lock(modelLockPath(name), .exclusive) {
            var file = try readTags(name)
            let moves = try plan(file.tags)
            if moves.isEmpty { return }
            let historyFile = historyPath(name)
            var history = TagHistory()
            if let bytes = try StoreJSON.read(historyFile) {
                history = try StoreJSON.decode(TagHistory.self, from: bytes, path: historyFile, supported: TagHistory.schemaVersion)
            }
            let now = configuration.clock()
            for (tag, version, reason) in moves {
                let current = file.tags[tag.description]
                // After an interrupted update the history's last move of the tag may lag tags.json;
                // then even a move to the current version is recorded, from where history left off.
                let recorded = history.events.last { $0.tag == tag.description }
                let from = recorded.map(\.to) ?? current
                if current == version, from == version { continue }
                history.events.append(TagEvent(tag: tag.description, from: from, to: version, reason: reason, time: now))
                file.tags[tag.description] = version
            }
            _ = try StoreJSON.write(file, to: tagsPath(name))
            try configuration.faults.trigger(.betweenTagFiles)
            _ = try StoreJSON.write(history, to: historyFile)
        }
    }

    /// Tags whose last recorded move in `tag-history.json` does not end where `tags.json` points
    /// them (a tag update interrupted between the two files), as sentences for `verify`.
    func tagHistoryMismatches(_ name: ModelName, tags: [String: Int], history: [TagEvent]) -> [String] {
        let recordedTags = Set(history.map(\.tag))
        var problems: [String] = []
        for tag in Set(tags.keys).union(recordedTags).sorted() {
            let current = tags[tag]
            guard let last = history.last(where: { $0.tag == tag }) else { continue }  // set before history was kept
            guard last.to != current else { continue }
            let recorded = last.to.map { "to version \($0)" } ?? "its removal"
            let actual = current.map { "points \(tag) at version \($0)" } ?? "has no tag \(tag)"
            let fix =
                current.map { "`kac zoo tag \(name)@\($0) \(tag)` records where it points" }
                ?? "`kac zoo tag \(name)@VERSION \(tag)` sets it again"
            problems.append(
                "\(historyPath(name)): the last recorded move of tag \(tag) is \(recorded), but \(tagsPath(name)) \(actual) — "
                    + "a tag update was interrupted between the two files; \(fix).")
        }
        return problems
    }

    func readTags(_ name: ModelName) throws -> TagsFile {
        let path = tagsPath(name)
        guard let bytes = try StoreJSON.read(path) else { return TagsFile() }
        let file = try StoreJSON.decode(TagsFile.self, from: bytes, path: path, supported: TagsFile.schemaVersion)
        for (tag, version) in file.tags {
            do { _ = try TagName(tag) } catch {
                throw ModelStoreError.corruptManifest(path: path, reason: "tag \"\(tag)\" is not a valid tag name")
            }
            guard version >= 1 else { throw ModelStoreError.corruptManifest(path: path, reason: "tag \(tag) points at version \(version)") }
        }
        return file
    }
}
