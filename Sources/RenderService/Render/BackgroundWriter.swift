// One batch's images encoded and written on a thread of their own while the render thread samples
// the next batch: PNG encoding and atomic writes (fsync, rename) no longer wait for the network, nor
// the network for them. A dedicated Thread, not Dispatch's pool, because the network's layers split
// their work over that pool (concurrentPerform), which one long write would halve.
// Invariant: at most one batch in flight; `wait` is called before the next `start`, before any
// progress hook and before the render returns (or throws), so nothing is written after it.
import Foundation

final class BackgroundWriter: @unchecked Sendable {
    // @unchecked: `failure` and `seconds` are written by the writer thread before it signals `done`
    // and read by the render thread only after waiting on `done`.
    private let done = DispatchSemaphore(value: 0)
    private var running = false
    private var failure: (any Error)?
    private var seconds = 0.0

    /// Runs `work` on a new thread. Precondition: no work in flight.
    func start(_ work: @escaping () throws -> Void) {
        precondition(!running, "BackgroundWriter: one batch at a time")
        running = true
        let box = WorkBox(work: work)
        let thread = Thread { [self] in
            let started = ContinuousClock.now
            do { try box.work() } catch { failure = error }
            seconds = (ContinuousClock.now - started).seconds
            done.signal()
        }
        thread.name = "kac image writer"
        thread.start()
    }

    /// Waits for the work in flight (if any); returns its seconds on the writer thread and
    /// rethrows what it threw.
    @discardableResult
    func wait() throws -> Double {
        guard running else { return 0 }
        done.wait()
        running = false
        defer { failure = nil }
        if let failure { throw failure }
        return seconds
    }

    /// `wait` for cleanup paths: the work's error, if any, is dropped (a failure is already on its way).
    func waitDiscardingErrors() { _ = try? wait() }
}

private struct WorkBox: @unchecked Sendable {
    // @unchecked: the work runs on one thread while the render thread waits for it or samples
    // other memory (the next batch); see BackgroundWriter's invariant.
    let work: () throws -> Void
}
