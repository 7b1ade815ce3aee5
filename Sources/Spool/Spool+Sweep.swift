// Sweeping what crashed participants leave behind: temporaries of interrupted atomic writes
// (`.tmp-*` in work/, done/, failed/, workers/, attempts/, cancel/ and every out/<id>/), a killed producer's
// files in tmp/, and attempts/ and cancel/ markers of jobs that are no longer queued or running.
// Nothing here can be held by a live process: an atomic write keeps its temporary for one write,
// fsync and rename, and a producer finishes tmp/ → new/ in one go, so a file older than its grace
// period (modification time) belongs to no one. Only regular files are removed; links are never
// followed, and new/ (producers' dotfiles, ignored names) and finished records are not touched.
import DiskIO
import Foundation

/// Leftover files by kind: what a sweep removed, or what `kac status` found.
public struct SpoolLeftovers: Sendable, Equatable, Codable {
    /// `.tmp-*` files of interrupted writes in work/, done/, failed/, workers/, attempts/, cancel/.
    public var temporaryFiles = 0
    /// `.tmp-*` files of interrupted image and result writes in `out/<id>/`.
    public var outputTemporaryFiles = 0
    /// Files in tmp/ (a producer such as `kac submit` killed before moving its job into new/).
    public var producerFiles = 0
    /// `attempts/<id>` and `cancel/<id>` of jobs that are neither queued nor running.
    public var orphanedMarkers = 0

    public init() {}

    public var total: Int { temporaryFiles + outputTemporaryFiles + producerFiles + orphanedMarkers }

    /// `temporary=0 out=2 tmp=1 markers=0`, for logs and `kac status`.
    public var summary: String {
        "temporary=\(temporaryFiles) out=\(outputTemporaryFiles) tmp=\(producerFiles) markers=\(orphanedMarkers)"
    }
}

/// The grace periods a sweep waits before removing a leftover (see spool/README.md, "Sweeping leftovers").
public struct SweepPolicy: Sendable, Equatable {
    /// `.tmp-*` temporaries of atomic writes and orphaned markers. An atomic write holds its
    /// temporary for seconds at most (write, fsync, rename) even on a slow network file server;
    /// an hour is far beyond that and still keeps a crash loop from piling files up.
    public var temporaryGrace: TimeInterval
    /// Files in tmp/: producers are other programs (or people) that may write slowly; like
    /// maildir, wait 36 hours.
    public var producerGrace: TimeInterval
    /// How often a daemon sweeps (and once at start-up).
    public var interval: TimeInterval

    public init(temporaryGrace: TimeInterval = 3600, producerGrace: TimeInterval = 36 * 3600, interval: TimeInterval = 3600) {
        self.temporaryGrace = temporaryGrace
        self.producerGrace = producerGrace
        self.interval = interval
    }
}

extension Spool {
    /// Removes leftovers older than their grace period and returns what was removed. With
    /// `dryRun`, removes nothing and returns what it would remove.
    @discardableResult
    public func sweep(dryRun: Bool = false) -> SpoolLeftovers {
        let now = clock.now()
        let policy = configuration.sweep
        return leftovers(olderThan: now - policy.temporaryGrace, producerCutoff: now - policy.producerGrace, remove: !dryRun)
    }

    /// Every leftover regardless of age (what `kac status` counts as present).
    public func leftovers() -> SpoolLeftovers {
        leftovers(olderThan: .distantFuture, producerCutoff: .distantFuture, remove: false)
    }

    func leftovers(olderThan cutoff: Date, producerCutoff: Date, remove: Bool) -> SpoolLeftovers {
        var found = SpoolLeftovers()
        func due(_ handle: DirectoryHandle, _ name: String, _ cutoff: Date) -> Bool {
            guard let info = SpoolFiles.info(handle, name), info.kind == .regular, info.modified <= cutoff else { return false }
            return !remove || (try? handle.remove(name)) == true
        }
        let isTemporary = { (name: String) in name.hasPrefix(DirectoryHandle.temporaryPrefix) }
        // workers/ too once it exists: an announce killed mid-write leaves its temporary there.
        let recordDirectories = [SpoolState.work, .done, .failed].map { directory($0) } + [workersDirectoryIfPresent()].compactMap { $0 }
        for handle in recordDirectories {
            for name in (try? handle.names()) ?? [] where isTemporary(name) && due(handle, name, cutoff) { found.temporaryFiles += 1 }
        }
        for marker in [SpoolDirectory.attempts, .cancel] {
            let handle = directory(marker)
            for name in (try? handle.names()) ?? [] {
                if isTemporary(name) {
                    if due(handle, name, cutoff) { found.temporaryFiles += 1 }
                    continue
                }
                // A job is always in new/ or work/ while it is queued or running (each move is one
                // rename); probing new/, work/, new/ again catches a requeue racing the probe.
                guard JobID.isValid(name), !jobExists(.new, name), !jobExists(.work, name), !jobExists(.new, name) else { continue }
                guard let info = SpoolFiles.info(handle, name), info.kind == .regular, info.modified <= cutoff else { continue }
                if !remove || removeOrphanedMarker(marker, name) { found.orphanedMarkers += 1 }
            }
        }
        let tmp = directory(.tmp)
        for name in (try? tmp.names()) ?? [] where due(tmp, name, producerCutoff) { found.producerFiles += 1 }
        let out = directory(.out)
        for id in (try? out.names()) ?? [] where SpoolFiles.info(out, id)?.kind == .directory {
            guard let handle = try? out.openDirectory(id) else { continue }
            for name in (try? handle.names()) ?? [] where isTemporary(name) && due(handle, name, cutoff) {
                found.outputTemporaryFiles += 1
            }
        }
        return found
    }
}

extension Spool {
    /// Removes `attempts/<id>` or `cancel/<id>` of a job that looked neither queued nor running.
    /// A requeue and a claim can both slip between the probes, so the marker is first renamed
    /// aside and the job probed again: if it is queued or running after all, the marker goes
    /// back. A claim that read no count while the marker was aside has written `1`; the count put
    /// back is then the one set aside plus one (a claim may be counted once too often, never lost).
    func removeOrphanedMarker(_ marker: SpoolDirectory, _ id: String) -> Bool {
        let aside = DirectoryHandle.temporaryPrefix + "orphan-\(id)-" + Self.randomHex(8)
        guard (try? move(marker, id, to: marker, aside, exclusive: true)) == true else { return false }
        configuration.faults.markerSetAside?(id)
        guard jobExists(.new, id) || jobExists(.work, id) else {
            remove(marker, aside)
            return true
        }
        if (try? move(marker, aside, to: marker, id, exclusive: true)) == true { return false }
        if marker == .attempts {
            let saved = readCount(.attempts, aside)
            let current = readAttempts(id)
            if saved > 0 { try? writeAttempts(max(current, saved + 1), id: id) }
        }
        remove(marker, aside)
        return false
    }

    func readCount(_ directory: SpoolDirectory, _ name: String) -> Int {
        guard case .bytes(let bytes)? = try? SpoolFiles.read(self.directory(directory), name, limit: 32) else { return 0 }
        return Int(String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }
}

/// Fault hooks for tests: each runs at one dangerous point, so a race can be staged exactly.
public struct SpoolFaults: Sendable {
    /// After the sweep has renamed an orphaned-looking marker aside, before it probes the job again.
    public var markerSetAside: (@Sendable (String) -> Void)?
    public init(markerSetAside: (@Sendable (String) -> Void)? = nil) { self.markerSetAside = markerSetAside }
}
