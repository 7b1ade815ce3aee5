// Work splitting for per-sample loops: samples are dealt round-robin to the caller's number of
// workers (by default the process's `ThreadBudget`) through DispatchQueue.concurrentPerform.
// Invariant: `body` must touch only sample n's own outputs and randomness, so results do not
// depend on the thread count (the tests compare 1 and 2 threads bit for bit).
import Dispatch

enum Parallel {
    /// Calls `body(n)` once for every n in 0..<count, on up to `threadCount` threads.
    static func forEachSample(count: Int, threadCount: Int, _ body: (Int) -> Void) {
        let workers = min(max(threadCount, 1), count)
        if workers <= 1 {
            for n in 0..<count { body(n) }
            return
        }
        // Round-robin rather than contiguous chunks: per-sample cost grows with the sample's
        // time (more Kac switches), and dealing evens out a sorted or clustered time list.
        // concurrentPerform wants a @Sendable closure; the invariant above is what makes sharing
        // `body` (and the buffers it writes) across workers safe, hence the unchecked box.
        withoutActuallyEscaping(body) { escapable in
            let shared = UncheckedSendable(value: escapable)
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                for n in stride(from: worker, to: count, by: workers) { shared.value(n) }
            }
        }
    }
}

struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
}
