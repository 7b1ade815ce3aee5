// OpenBLAS's thread count is process-wide and its sgemm rounds differently at 1 thread; a call on
// one thread must give the same bits while another thread has a single-threaded window open.
import Dispatch
import TensorCore
import TestSupport
import Testing

@Suite struct BLASThreadCountTests {
    @Test(.enabled(if: BLAS.threadCount > 1, "OpenBLAS runs one thread here, so nothing can differ"))
    func callsKeepTheirBitsWhileAnotherThreadRunsSingleThreadedTasks() {
        // A shape whose results differ between 1 and 2 OpenBLAS threads (60–78 % of them with the
        // Prescott, Sandybridge, Haswell, Zen, SkylakeX and Cooperlake kernels); the reference is
        // taken before any window opens.
        let (m, n, k) = (784, 64, 1000)
        var rng = RandomSource(seed: 3)
        let a = (0..<(m * k)).map { _ in Float(rng.normal()) }
        let b = (0..<(k * n)).map { _ in Float(rng.normal()) }
        let reference = sgemmProduct(a, b, m: m, n: n, k: k)
        #expect(BLAS.withSingleThreadedCalls { BLAS.asSingleThreadedTask { sgemmProduct(a, b, m: m, n: n, k: k) } } != reference,
                "this shape rounds differently on one thread, so the test below can see a window")

        let done = DispatchSemaphore(value: 0)
        let stop = ManagedFlag()
        DispatchQueue.global().async {
            while !stop.isSet {
                _ = BLAS.withSingleThreadedCalls { BLAS.asSingleThreadedTask { sgemmProduct(a, b, m: m, n: n, k: k) } }
            }
            done.signal()
        }
        var differing = 0
        for _ in 0..<60 where sgemmProduct(a, b, m: m, n: n, k: k) != reference { differing += 1 }
        stop.set()
        done.wait()
        #expect(differing == 0, "\(differing) of 60 products rounded as if single-threaded")
        #expect(BLAS.threadCount > 1, "the window restored the thread count")
    }
}

/// A flag one thread sets and another polls.
private final class ManagedFlag: @unchecked Sendable {
    private let lock = DispatchSemaphore(value: 1)
    private var value = false
    var isSet: Bool {
        lock.wait()
        defer { lock.signal() }
        return value
    }
    func set() {
        lock.wait()
        value = true
        lock.signal()
    }
}
