// Heartbeats on a thread of their own: the worker record in `workers/` and, while a job is held,
// its lease, refreshed on time however long one network evaluation takes. The render thread only
// reads what the timer found (a lost lease) between sampler steps; the timer never waits for it.
import Foundation
import Logging
import Spool

/// The claim a job runner holds, shared with the heartbeat timer under a lock.
final class HeldClaim: @unchecked Sendable {
    private let lock = NSLock()
    private var current: ClaimedJob
    private var lostLease: (any Error)?
    private var retired = false

    init(_ claim: ClaimedJob) { current = claim }

    var claim: ClaimedJob { lock.withLock { current } }
    /// Set by a heartbeat that found the job no longer ours; the render stops at its next check.
    var heartbeatError: (any Error)? { lock.withLock { lostLease } }

    /// Stops heartbeats for good (before the job is finished, so no heartbeat rewrites the lease
    /// of a job that has left `work/`) and returns the claim as last refreshed.
    func retire() -> ClaimedJob {
        lock.withLock {
            retired = true
            return current
        }
    }

    /// Refreshes the lease (under the lock, so `finish` never sees a half-updated claim).
    func heartbeat(_ spool: Spool) {
        lock.withLock {
            guard lostLease == nil, !retired else { return }
            do { try spool.heartbeat(&current) } catch { lostLease = error }
        }
    }
}

final class HeartbeatTimer: @unchecked Sendable {
    let spool: Spool
    let announcer: WorkerAnnouncer
    /// Seconds between lease heartbeats (a third of the lease timeout).
    let leaseInterval: TimeInterval
    private let condition = NSCondition()
    private var held: HeldClaim?
    private var stopped = false
    private var thread: Thread?

    init(spool: Spool, announcer: WorkerAnnouncer, leaseInterval: TimeInterval) {
        self.spool = spool
        self.announcer = announcer
        self.leaseInterval = leaseInterval
    }

    /// How long the timer sleeps between looks: the shorter of the two promises.
    var tick: TimeInterval { max(min(announcer.interval, leaseInterval), 0.02) }

    func start() {
        let thread = Thread { [self] in loop() }
        thread.name = "kacd-heartbeat"
        self.thread = thread
        thread.start()
    }

    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    /// From now on the lease of `claim` is refreshed too (nil: the worker is idle).
    func hold(_ claim: HeldClaim?) {
        condition.lock()
        held = claim
        condition.unlock()
        announcer.beat(job: claim?.claim.id)
    }

    private func loop() {
        var lastLease = Date()
        condition.lock()
        while !stopped {
            _ = condition.wait(until: Date(timeIntervalSinceNow: tick))
            if stopped { break }
            let claim = held
            condition.unlock()
            announcer.beat(job: claim?.claim.id)
            if let claim, Date().timeIntervalSince(lastLease) >= leaseInterval {
                claim.heartbeat(spool)
                lastLease = Date()
            } else if claim == nil {
                lastLease = .distantPast
            }
            condition.lock()
        }
        condition.unlock()
    }
}
