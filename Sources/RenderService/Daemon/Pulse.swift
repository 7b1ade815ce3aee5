// The systemd watchdog, fed by the work loops: `WATCHDOG=1` at most once per half watchdog
// interval, and only while every loop has reported within the whole interval. With several
// workers one hung loop therefore stops the pings as a single hung loop would, and systemd restarts
// kacd (the hung job's lease expires and another worker recovers it); the journal says which
// worker went quiet, once per stall.
import Foundation
import Logging

public final class Pulse: @unchecked Sendable {
    let notifier: SystemdNotifier
    /// Seconds between pings (half the watchdog timeout); nil without a watchdog.
    public let interval: TimeInterval?
    let logger: Logger
    let now: @Sendable () -> Date
    private let lock = NSLock()
    private var lastPing = Date.distantPast
    /// Each live loop's last report, by worker id; a loop that ended on purpose is retired.
    private var lastBeat: [String: Date] = [:]
    /// The worker whose silence withholds the pings, once said in the journal.
    private var silent: String?

    public init(notifier: SystemdNotifier, logger: Logger, now: @escaping @Sendable () -> Date = { Date() }) {
        self.notifier = notifier
        self.logger = logger
        self.now = now
        interval = notifier.watchdogPingInterval?.seconds
    }

    /// `worker` is alive; pings systemd when a ping is due and no loop has gone quiet.
    public func beat(_ worker: String) {
        guard let interval else { return }
        let time = now()
        enum Action { case none, ping, withhold(String, TimeInterval) }
        let (resumed, action): (TimeInterval?, Action) = lock.withLock {
            let previous = lastBeat[worker]
            lastBeat[worker] = time
            var resumed: TimeInterval?
            if silent == worker {
                silent = nil
                resumed = time.timeIntervalSince(previous ?? time)
            }
            guard time.timeIntervalSince(lastPing) >= interval else { return (resumed, .none) }
            // Quiet for the whole watchdog timeout: what systemd itself allows a single loop.
            if let quiet = lastBeat.filter({ time.timeIntervalSince($0.value) > 2 * interval }).min(by: { $0.value < $1.value }) {
                guard silent == nil else { return (resumed, .none) }
                silent = quiet.key
                return (resumed, .withhold(quiet.key, time.timeIntervalSince(quiet.value)))
            }
            lastPing = time
            return (resumed, .ping)
        }
        if let resumed {
            logger.notice("Worker \(worker) reports again after \(Int(resumed)) s; the watchdog pings resume unless another worker is quiet.")
        }
        switch action {
        case .none: return
        case .ping: try? notifier.watchdog()
        case .withhold(let quiet, let seconds):
            logger.critical(
                "Worker \(quiet) has not reported for \(Int(seconds)) s (hung in a job or a system call?); kacd stops pinging the systemd watchdog, so systemd restarts it within WatchdogSec and another worker recovers the job once its lease expires."
            )
        }
    }

    /// `worker`'s loop has ended on purpose (`--once` drained, shutdown): its silence is not a hang.
    public func retire(_ worker: String) {
        lock.withLock {
            lastBeat[worker] = nil
            if silent == worker { silent = nil }
        }
    }
}
