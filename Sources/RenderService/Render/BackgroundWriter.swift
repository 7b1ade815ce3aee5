// A thread a render hands image encoding and file writes to, kept for the whole render (not a
// thread per batch): either a batch's whole encode-and-write while the render thread samples the
// next batches (`RenderSchedule.overlapped`), or half of a batch's encodes while the render thread
// does the other half (`.sequential`). A dedicated Thread, not Dispatch's pool, because the network's
// layers split their work over that pool (concurrentPerform), which one long write would halve.
// Invariant: at most one piece of work in flight per writer; `wait` is called before the next
// `start`, before that batch's progress hook and before the render returns (or throws), so nothing
// is written after it.
import Foundation

final class BackgroundWriter: @unchecked Sendable {
    // @unchecked: `work`, `failure`, `seconds` and `cpuSeconds` are handed between the two threads
    // only through the semaphores: written by one side before it signals, read by the other after
    // it waits.
    private let go = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)
    private let exited = DispatchSemaphore(value: 0)
    private var started = false
    private var running = false
    private var work: (() throws -> Void)?
    private var failure: (any Error)?
    private var seconds = 0.0
    private var cpuSeconds = 0.0

    /// Runs `work` on the writer thread (started on first use). Precondition: no work in flight.
    func start(_ work: @escaping () throws -> Void) {
        precondition(!running, "BackgroundWriter: one piece of work at a time")
        running = true
        self.work = work
        if !started {
            started = true
            let thread = Thread { [self] in loop() }
            thread.name = "kac image writer"
            thread.start()
        }
        go.signal()
    }

    /// Waits for the work in flight (if any); returns its wall and thread-CPU seconds on the writer
    /// thread and rethrows what it threw.
    @discardableResult
    func wait() throws -> (seconds: Double, cpuSeconds: Double) {
        guard running else { return (0, 0) }
        done.wait()
        running = false
        defer { failure = nil }
        if let failure { throw failure }
        return (seconds, cpuSeconds)
    }

    /// `wait` for cleanup paths: the work's error, if any, is dropped (a failure is already on its way).
    func waitDiscardingErrors() { _ = try? wait() }

    /// Waits for any work in flight, then ends the thread; the writer can be started again after.
    func stop() {
        waitDiscardingErrors()
        guard started else { return }
        work = nil
        go.signal()
        exited.wait()
        started = false
    }

    private func loop() {
        while true {
            go.wait()
            guard let work else { break }  // nil: stop() asks the thread to end
            let (wallStart, cpuStart) = (ContinuousClock.now, ThreadClock.cpuSeconds())
            do { try work() } catch { failure = error }
            (seconds, cpuSeconds) = ((ContinuousClock.now - wallStart).seconds, ThreadClock.cpuSeconds() - cpuStart)
            self.work = nil
            done.signal()
        }
        exited.signal()
    }
}

/// CPU time of the calling thread (CLOCK_THREAD_CPUTIME_ID): what one stage of a render costs,
/// steady while other processes share the CPUs, unlike the wall clock.
enum ThreadClock {
    static func cpuSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
