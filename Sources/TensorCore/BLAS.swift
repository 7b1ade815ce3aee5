// The one file that calls OpenBLAS (cblas_*). Everything heavy in the project goes through here,
// so swapping the BLAS, counting FLOPs or pinning threads is a change to this file alone.
import CBLAS
#if canImport(Glibc)
import Glibc
#endif

public enum BLAS {
    /// C[m×n] = alpha · op(A)[m×k] · op(B)[k×n] + beta · C, all row-major.
    /// `lda`, `ldb`, `ldc` are the row strides of A, B, C as stored (before the transpose).
    @inlinable
    public static func sgemm(
        transposeA: Bool, transposeB: Bool,
        m: Int, n: Int, k: Int,
        alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        call {
            cblas_sgemm(
                CblasRowMajor,
                transposeA ? CblasTrans : CblasNoTrans,
                transposeB ? CblasTrans : CblasNoTrans,
                blasint(m), blasint(n), blasint(k), alpha,
                a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
        }
    }

    /// The kernel family OpenBLAS selected at load time (e.g. "Haswell"); benchmarks report it.
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// Threads OpenBLAS uses for one call made here. Set through `ThreadBudget.install` at
    /// start-up, and lowered to 1 only for the tasks of `withSingleThreadedCalls`.
    public static var threadCount: Int {
        get { Int(call(openblas_get_num_threads)) }
        set { threadCountLock.withWriting { openblas_set_num_threads(Int32(newValue)) } }
    }

    // OpenBLAS's thread count is one number for the whole process, and sgemm rounds differently at
    // 1 and 2 threads (measured here, Prescott kernels: m = 9, n = 32, k = 3136 → 56 of 288
    // results differ; m = 784, n = 64, k = 1000 → 30,234 of 50,176). NeuralNet's parallel tasks
    // split the cores themselves and want it at 1 while they run; a call on another thread at that
    // moment would round as if single-threaded. So: opening such a window takes `threadCountLock` (a
    // fair readers–writer lock) for writing, every other call takes it for reading, and the
    // window's own tasks (marked with `asSingleThreadedTask`) call straight through. In one render
    // or training nothing waits (one thread computes); in the test process, where many computations
    // run side by side, a result no longer depends on what another test was doing.

    /// Runs `body` with OpenBLAS single-threaded, once no call outside the window is running and
    /// none can start; `body` runs the window's tasks, each inside `asSingleThreadedTask`. On a
    /// window's task thread it just runs `body` (the count is already 1).
    public static func withSingleThreadedCalls<T>(_ body: () throws -> T) rethrows -> T {
        if isSingleThreadedTask { return try body() }
        return try threadCountLock.withWriting {
            let saved = openblas_get_num_threads()
            openblas_set_num_threads(1)
            defer { openblas_set_num_threads(saved) }
            return try body()
        }
    }

    /// Marks the current thread as one of an open window's tasks while `body` runs: its calls go
    /// straight to OpenBLAS (the window's writer already excludes everyone else).
    public static func asSingleThreadedTask<T>(_ body: () throws -> T) rethrows -> T {
        let previous = pthread_getspecific(singleThreadedTaskKey)
        pthread_setspecific(singleThreadedTaskKey, UnsafeRawPointer(bitPattern: 1))
        defer { pthread_setspecific(singleThreadedTaskKey, previous) }
        return try body()
    }

    /// Whether this thread is one of an open window's tasks.
    public static var isSingleThreadedTask: Bool { pthread_getspecific(singleThreadedTaskKey) != nil }

    /// Runs one BLAS call at the installed thread count (see above).
    @usableFromInline static func call<T>(_ body: () -> T) -> T {
        if isSingleThreadedTask { return body() }
        return threadCountLock.withReading(body)
    }

    private static let threadCountLock = FairReadWriteLock()

    private static let singleThreadedTaskKey: pthread_key_t = {
        var key = pthread_key_t()
        precondition(pthread_key_create(&key, nil) == 0, "pthread_key_create failed")
        return key
    }()
}
