// The daemon's side of the worker registry and of retention: keeps `workers/<worker>.json`
// fresh (idle or busy) so `kac status` can show live workers and heartbeat ages, removes it on a
// clean exit, and applies the retention policy now and then. A failure to write is logged once
// and never stops rendering.
import Foundation
import Logging
import Spool
import Vocabulary

final class WorkerAnnouncer: @unchecked Sendable {
    let spool: Spool
    let configuration: DaemonConfiguration
    let logger: Logger
    let startedAt = Date()
    private let lock = NSLock()
    private var last = Date.distantPast
    private var lastJob: String?
    private var lastPrune = Date.distantPast
    private var warned = false

    init(spool: Spool, configuration: DaemonConfiguration, logger: Logger) {
        self.spool = spool
        self.configuration = configuration
        self.logger = logger
    }

    /// Seconds between record refreshes: often enough for status, rare enough to cost nothing.
    var interval: TimeInterval { max(min(configuration.pollInterval, configuration.heartbeatInterval), 0.05) }

    /// Rewrites the record when due, or at once when the current job changed.
    func beat(job: String?) {
        let due: Bool = lock.withLock {
            guard job != lastJob || Date().timeIntervalSince(last) >= interval else { return false }
            (last, lastJob) = (Date(), job)
            return true
        }
        guard due else { return }
        let record = WorkerRecord(
            worker: configuration.worker, startedAt: startedAt, heartbeatAt: Date(), heartbeatInterval: interval, job: job,
            limits: configuration.spool.limits, software: KacVersion.software)
        do {
            try spool.announce(record)
        } catch {
            let first: Bool = lock.withLock {
                defer { warned = true }
                return !warned
            }
            let said = Reason("cannot write this worker's record in workers/ (kac status will not list it)", cause: error)
            if first { logger.warning("\(said)") }
        }
    }

    func withdraw() { spool.withdraw(configuration.worker) }

    /// Applies `configuration.retention` at most every `retentionInterval` (and once at start-up).
    func pruneIfDue() {
        guard let policy = configuration.retention, !policy.isEmpty,
            Date().timeIntervalSince(lastPrune) >= configuration.retentionInterval
        else { return }
        lastPrune = Date()
        do {
            let report = try spool.prune(policy)
            if !report.removed.isEmpty {
                logger.info(
                    "retention removed \(report.removed.count) finished job(s) and \(report.bytesFreed) bytes of outputs; kept \(report.kept)",
                    metadata: ["job": "-"])
            }
        } catch {
            logger.error("\(Reason("retention pass failed", cause: error))", metadata: ["job": "-"])
        }
    }
}
