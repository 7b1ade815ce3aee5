// What the daemon is doing right now, shared by the work loops (the writers) and the status reporter
// (the reader, `systemctl status`): the jobs in hand (one per worker) and their progress, whether a
// stop was asked for, and how many jobs ended which way. Counts are keyed by `JobEnd`, never by free text.
import Foundation
import Spool

/// How one job's turn on this worker ended, as the status line counts them (`done 3, failed 1`):
/// the outcome `Spool.finish` carried out, or `unfinished` when it could not record one.
enum JobEnd: String, Sendable {
    case done, failed, cancelled, requeued, unfinished

    init(_ outcome: JobOutcome) {
        switch outcome {
        case .completed: self = .done
        case .failed: self = .failed
        case .cancelled: self = .cancelled
        case .requeued: self = .requeued
        }
    }
}

/// What the daemon is doing, shared by the work loops (writers) and the status reporter (reader).
public final class DaemonState: @unchecked Sendable {
    private let lock = NSLock()
    private var stopping = false
    /// The jobs in hand, in the order they were claimed.
    private var current: [(job: String, completed: Int, total: Int)] = []
    private var finished: [JobEnd: Int] = [:]

    public init() {}

    /// Returns true the first time (the caller announces the shutdown).
    @discardableResult
    public func requestStop() -> Bool {
        lock.withLock {
            defer { stopping = true }
            return !stopping
        }
    }

    public var isStopping: Bool { lock.withLock { stopping } }

    func started(job: String, total: Int) { lock.withLock { current.append((job, 0, total)) } }
    func progressed(job: String, completed: Int) {
        lock.withLock {
            if let index = current.firstIndex(where: { $0.job == job }) { current[index].completed = completed }
        }
    }
    func ended(job: String, _ end: JobEnd) {
        lock.withLock {
            current.removeAll { $0.job == job }
            finished[end, default: 0] += 1
        }
    }

    /// Jobs being rendered now.
    var jobsInHand: Int { lock.withLock { current.count } }

    /// One line for `systemctl status`: the jobs in hand and their progress, queue length, totals.
    public func statusLine(queued: Int?) -> String {
        lock.withLock {
            var parts: [String] = []
            if stopping { parts.append("stopping") }
            if !current.isEmpty {
                parts.append("rendering " + current.map { "job=\($0.job) \($0.completed)/\($0.total)" }.joined(separator: ", "))
            } else if !stopping {
                parts.append("idle")
            }
            if let queued { parts.append("queue \(queued)") }
            let totals = finished.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue) \($0.value)" }
            if !totals.isEmpty { parts.append(totals.joined(separator: ", ")) }
            return parts.joined(separator: "; ")
        }
    }
}
