// What the daemon is doing right now, shared by the work loop (the writer) and the status reporter
// (the reader, `systemctl status`): the job in hand and its progress, whether a stop was asked for,
// and how many jobs ended which way. Counts are keyed by `JobEnd`, never by free text.
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

/// What the daemon is doing, shared by the work loop (writer) and the status reporter (reader).
public final class DaemonState: @unchecked Sendable {
    private let lock = NSLock()
    private var stopping = false
    private var current: (job: String, completed: Int, total: Int)?
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

    func started(job: String, total: Int) { lock.withLock { current = (job, 0, total) } }
    func progressed(completed: Int) { lock.withLock { current?.completed = completed } }
    func ended(_ end: JobEnd) {
        lock.withLock {
            current = nil
            finished[end, default: 0] += 1
        }
    }

    /// One line for `systemctl status`: current job and progress, queue length, totals.
    public func statusLine(queued: Int?) -> String {
        lock.withLock {
            var parts: [String] = []
            if stopping { parts.append("stopping") }
            if let current {
                parts.append("rendering job=\(current.job) \(current.completed)/\(current.total)")
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
