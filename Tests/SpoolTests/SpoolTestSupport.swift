// Helpers for the spool tests: a manual clock, a spool in a fresh temporary directory, and file
// writers that bypass the spool (as users and attackers would).
import Foundation
import Spool
import TestSupport

/// A clock tests move by hand, so lease expiry needs no sleeping.
final class ManualClock: @unchecked Sendable {
    private var current: Date
    private let lock = NSLock()
    init(_ start: Date = Date()) { current = start }
    var now: Date { lock.withLock { current } }
    func advance(_ seconds: TimeInterval) { lock.withLock { current += seconds } }
    var spoolClock: SpoolClock { SpoolClock { [self] in now } }
}

struct SpoolFixture {
    let directory = TemporaryDirectory(prefix: "kac-spool")
    let clock = ManualClock()
    let spool: Spool
    let worker = WorkerIdentity(id: "test-worker", host: "test-host", pid: getpid())

    init(configuration: SpoolConfiguration = SpoolConfiguration(settlePeriod: 5)) throws {
        spool = try Spool(root: directory.path + "/spool", configuration: configuration, clock: clock.spoolClock)
    }

    var root: String { spool.root }

    /// Writes `text` straight into `new/<name>` (a user's `cp`), with mtime = the manual clock.
    func drop(_ text: String, as name: String, age: TimeInterval = 0) throws {
        try drop(Array(text.utf8), as: name, age: age)
    }

    func drop(_ bytes: [UInt8], as name: String, age: TimeInterval = 0) throws {
        let path = root + "/new/" + name
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        try setModified(path, clock.now - age)
    }

    func setModified(_ path: String, _ date: Date) throws {
        try FileManager.default.setAttributes([.modificationDate: date], ofItemAtPath: path)
    }

    func names(_ directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root + "/" + directory)) ?? []).sorted()
    }

    func failure(_ id: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: root + "/failed/\(id).error.json"))
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }

    /// Every path under the temporary directory, to prove nothing is written outside the spool.
    func allPaths() -> Set<String> {
        var result = Set<String>()
        let enumerator = FileManager.default.enumerator(atPath: directory.path)
        while let next = enumerator?.nextObject() as? String { result.insert(next) }
        return result
    }
}

func job(_ fields: String) -> [UInt8] { Array("{\"schema\": 1, \(fields)}".utf8) }
