// The spool's file system, tried before it is trusted: a trial claim in `<root>/.kac-probe/<name>/`
// with the very calls a claim makes — exclusive create, fsync, an atomic replace, the move that
// never replaces (renameat2 RENAME_NOREPLACE, else link + checked unlink) — and a look at the
// times it gives. A file system that lacks one of them (object-store mounts: no hard links, no
// atomic rename) would let two workers claim one job, so kacd and `kac submit` refuse it.
import DiskIO
import Foundation
import Vocabulary

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// What the probe found about the file system holding a spool.
public struct FilesystemProbe: Sendable, Equatable, Codable {
    public enum Verdict: String, Sendable, Codable {
        /// Every property a claim needs is there.
        case safe
        /// A property is missing (`missing`): claims would not be exclusive.
        case unsafe
        /// The probe could not run (`problem`: permissions, a full disk); nothing is known.
        case unknown
    }

    /// The mount's type as the kernel lists it (`ext4`, `tmpfs`, `fuse.sshfs`, `fuse.glusterfs`, `fuse.rclone`).
    public var filesystemType: String
    public var mountPoint: String
    public var verdict: Verdict
    /// `renameat2` (RENAME_NOREPLACE) or `link` (hard link, then a checked unlink of the source).
    public var exclusiveMove: String?
    /// The property a safe claim needs and this file system lacks, as a phrase (with the error that showed it).
    public var missing: Reason?
    /// Why the probe could not run, with the error that stopped it.
    public var problem: Reason?
    /// Whether modification times carry fractions of a second.
    public var subsecondTimes: Bool?
    /// The file system's time minus this host's clock when the probe wrote its file, in seconds
    /// (a network file server's clock; leases of other hosts do not depend on it).
    public var clockOffset: Double?

    public init(
        filesystemType: String, mountPoint: String, verdict: Verdict, exclusiveMove: String? = nil, missing: Reason? = nil,
        problem: Reason? = nil
    ) {
        self.filesystemType = filesystemType
        self.mountPoint = mountPoint
        self.verdict = verdict
        self.exclusiveMove = exclusiveMove
        self.missing = missing
        self.problem = problem
    }

    /// One sentence for logs, `kac submit` and `kac status`.
    public var sentence: String {
        let on = "\(filesystemType) at \(mountPoint)"
        switch verdict {
        case .safe:
            let times = subsecondTimes == true ? "sub-second times" : "whole-second times"
            let offset = clockOffset.map { String(format: ", clock offset %+.1f s", $0) } ?? ""
            return "safe: \(on) gives exclusive moves by \(exclusiveMove ?? "?"), \(times)\(offset)"
        case .unsafe:
            return
                "unsafe: \(on) lacks \(missing ?? "a property claims need"); two workers could claim one job there, so the spool is refused — put it on a local file system, GlusterFS or sshfs (docs/several-hosts.md)"
        case .unknown:
            return "not probed: \(problem ?? "unknown problem") (\(on))"
        }
    }
}

extension Spool {
    /// The directory every probe works in (one subdirectory per probe, removed afterwards).
    public static let probeDirectory = ".kac-probe"

    /// Runs the trial claim in `<root>/.kac-probe/<host>-<pid>-<hex>/` and removes it again.
    public func probeFilesystem() -> FilesystemProbe {
        let mount = FilesystemProbe.mount(of: root)
        var probe = FilesystemProbe(filesystemType: mount.type, mountPoint: mount.point, verdict: .safe)
        let name = "\(SpoolFiles.hostName.prefix(32))-\(getpid())-\(Self.randomHex(8))"
        let base: DirectoryHandle
        let directory: DirectoryHandle
        do {
            base = try rootDirectory.makeDirectory(Self.probeDirectory).handle
            directory = try base.makeDirectory(name).handle
        } catch {
            probe.verdict = .unknown
            probe.problem = Reason("cannot make \(root)/\(Self.probeDirectory)/\(name)", cause: error)
            return probe
        }
        defer {
            for file in (try? directory.names()) ?? [] { _ = try? directory.remove(file) }
            _ = try? base.removeDirectory(name)
        }
        switch FilesystemTrial(directory: directory).run(&probe) {
        case .passed: break
        case .missing(let property):
            probe.verdict = .unsafe
            probe.missing = property
        case .failed(let problem):
            probe.verdict = .unknown
            probe.problem = problem
        }
        return probe
    }
}

extension FilesystemProbe {
    /// The mount holding `path` (longest mount point that prefixes its real path) from
    /// /proc/self/mountinfo; `unknown` where that file is not readable.
    public static func mount(of path: String) -> (type: String, point: String) {
        let real = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        guard let text = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else { return ("unknown", "/") }
        var best: (type: String, point: String) = ("unknown", "/")
        var bestLength = -1
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: false)
            guard fields.count > 6, let dash = fields.firstIndex(of: "-"), dash + 1 < fields.count else { continue }
            let point = unescape(String(fields[4]))
            let inside = point == "/" || real == point || real.hasPrefix(point + "/")
            // Later lines are mounted over earlier ones at the same point: >= keeps the last.
            if inside, point.count >= bestLength {
                best = (String(fields[dash + 1]), point)
                bestLength = point.count
            }
        }
        return best
    }

    /// mountinfo writes space, tab, newline and backslash as `\040`-style octal escapes.
    public static func unescape(_ text: String) -> String {
        guard text.contains("\\") else { return text }
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "\\"), utf8.count >= 3, let value = UInt8(String(decoding: utf8.prefix(3), as: UTF8.self), radix: 8) {
                bytes.append(value)
                utf8 = utf8.dropFirst(3)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
