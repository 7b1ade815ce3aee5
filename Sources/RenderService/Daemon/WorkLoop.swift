// The daemon's work loops, each on its own thread (rendering is long CPU work that must not block
// the async services): recover abandoned jobs, sweep leftovers, claim the next job, render it,
// repeat; when the queue is empty, wait for a wake from the watcher or the poll interval. With
// `workers` > 1 several loops claim and render side by side, each as its own worker (lease owner,
// `workers/` record, heartbeat thread); only the first does the housekeeping (recovery, sweep,
// retention). `--once` exits when `new/` holds nothing more that could become claimable.
import Foundation
import Logging
import Spool
import Vocabulary

/// A wake-up flag the watcher sets and the work loop waits on.
public final class WakeSignal: @unchecked Sendable {
    private let condition = NSCondition()
    private var pending = false

    public init() {}

    public func signal() {
        condition.lock()
        pending = true
        condition.broadcast()
        condition.unlock()
    }

    /// Waits until signalled or `timeout` passes; consumes the signal.
    public func wait(timeout: TimeInterval) {
        condition.lock()
        let deadline = Date(timeIntervalSinceNow: timeout)
        while !pending, condition.wait(until: deadline) {}
        pending = false
        condition.unlock()
    }
}

final class WorkLoop: @unchecked Sendable {
    let spool: Spool
    let runner: JobRunner
    let configuration: DaemonConfiguration
    let state: DaemonState
    let wake: WakeSignal
    let logger: Logger
    let announcer: WorkerAnnouncer
    let heartbeats: HeartbeatTimer
    /// Whether this loop recovers abandoned jobs, sweeps leftovers and applies retention (one
    /// loop per process does; the others only claim and render).
    let housekeeping: Bool

    /// `configuration` names this loop's own worker identity (`DaemonConfiguration.worker(slot:)`).
    init(
        spool: Spool, runner: JobRunner, configuration: DaemonConfiguration, state: DaemonState, wake: WakeSignal, logger: Logger,
        housekeeping: Bool = true
    ) {
        self.spool = spool
        self.runner = runner
        self.configuration = configuration
        self.state = state
        self.wake = wake
        self.logger = logger
        self.housekeeping = housekeeping
        announcer = WorkerAnnouncer(spool: spool, configuration: configuration, logger: logger)
        heartbeats = HeartbeatTimer(spool: spool, announcer: announcer, leaseInterval: configuration.heartbeatInterval)
        runner.heartbeats = heartbeats
    }

    /// The worker id of the work loop running on this thread (nil elsewhere), for log lines written
    /// on its behalf by shared code (the spool's event handler).
    static var currentWorker: String? { Thread.current.threadDictionary[workerKey] as? String }
    private static let workerKey = "kacd.worker"

    func run() {
        Thread.current.threadDictionary[Self.workerKey] = configuration.worker.id
        var lastRecovery = Date.distantPast
        var lastSweep = Date.distantPast
        var lastProgress = Date()
        var lastScanError: (cause: Reason, at: Date)?
        var backoff = DiskFullBackoff()
        heartbeats.start()
        defer {
            heartbeats.stop()
            announcer.withdraw()
            runner.pulse.retire(configuration.worker.id)
        }
        while !state.isStopping {
            runner.pulse.beat(configuration.worker.id)
            announcer.beat(job: nil)
            if housekeeping { announcer.pruneIfDue() }
            if housekeeping, Date().timeIntervalSince(lastRecovery) >= configuration.spool.leaseTimeout / 2 {
                recover()
                lastRecovery = Date()
            }
            if housekeeping, Date().timeIntervalSince(lastSweep) >= configuration.spool.sweep.interval {
                sweep()
                lastSweep = Date()
            }
            let claimed: ClaimedJob?
            do {
                claimed = try spool.claimNext(as: configuration.worker)
            } catch let error as SpoolError where error.isDiskFull {
                let delay = backoff.next()
                let said = Reason(
                    "The disk holding the spool is full", cause: error,
                    then:
                        ". The job stays queued in new/; this worker claims again in \(Int(delay)) s — free space on the spool's file system."
                )
                logger.error("\(said)")
                wake.wait(timeout: delay)
                continue
            } catch {
                // A lasting problem (a replaced directory) repeats every poll; say it once a minute.
                let cause = Reason(cause: error)
                if lastScanError?.cause != cause || Date().timeIntervalSince(lastScanError?.at ?? .distantPast) >= 60 {
                    logger.error(
                        "Cannot scan the spool's new/ directory: \(cause). Check that \(spool.root) is mounted, readable by kacd and not replaced; retrying every \(configuration.pollInterval) s (this message repeats once a minute)."
                    )
                    lastScanError = (cause, Date())
                }
                wake.wait(timeout: configuration.pollInterval)
                continue
            }
            lastScanError = nil
            if let claimed {
                runner.run(claimed, logger: logger)
                lastProgress = Date()
                if runner.diskWasFull {
                    waitWhileStopping(backoff.next())
                } else {
                    backoff.reset()
                }
                continue
            }
            if configuration.once {
                // Files still settling (or being copied) may become claimable; wait for them, but
                // not forever: the settle period plus a grace second without any progress.
                if (try? spool.queuedEntryCount()) ?? 0 == 0 || Date().timeIntervalSince(lastProgress) > configuration.spool.settlePeriod + 1 { break }
                wake.wait(timeout: 0.1)
            } else {
                // Wake at least as often as the watchdog needs a ping, whatever the poll interval.
                wake.wait(timeout: min(configuration.pollInterval, runner.pulse.interval ?? configuration.pollInterval))
            }
        }
    }

    /// Sleeps `seconds` in short naps, returning early on shutdown (a wake only means new files).
    private func waitWhileStopping(_ seconds: TimeInterval) {
        let end = Date(timeIntervalSinceNow: seconds)
        while !state.isStopping, Date() < end {
            runner.pulse.beat(configuration.worker.id)
            Thread.sleep(forTimeInterval: min(0.2, max(end.timeIntervalSinceNow, 0)))
        }
    }

    private func recover() {
        do {
            // Each requeue or give-up is logged by the spool's event handler (DaemonEvents).
            try spool.recoverAbandonedJobs(host: configuration.worker.host)
        } catch {
            let said = Reason(
                "Could not scan work/ for abandoned jobs", cause: error, then: ". Check the spool's permissions; retrying later.")
            logger.error("\(said)")
        }
    }

    /// Removes leftovers past their grace period (at start-up, then every sweep interval).
    private func sweep() {
        let removed = spool.sweep()
        if removed.total > 0 { logger.notice("swept \(removed.total) leftover file(s): \(removed.summary)") }
        let workers = spool.removeDeadWorkerRecords(host: configuration.worker.host)
        if !workers.isEmpty {
            logger.notice("removed the records of \(workers.count) worker(s) whose process is gone from workers/")
        }
    }
}

/// How long a worker waits after a full disk before it claims again: 1 s, doubling up to a minute,
/// back to the start once a job got through.
struct DiskFullBackoff {
    static let first: TimeInterval = 1
    static let longest: TimeInterval = 60
    private var current: TimeInterval = 0

    mutating func next() -> TimeInterval {
        current = current == 0 ? Self.first : min(current * 2, Self.longest)
        return current
    }

    mutating func reset() { current = 0 }
}
