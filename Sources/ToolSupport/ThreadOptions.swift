// `--threads N` for every command of `kac` and `kac-bench` that computes: how many threads OpenBLAS
// and the parallel loops use. Without it, the CPUs this process may use (affinity mask, capped by a
// cgroup CPU quota). Each command calls `install()` first thing in `run()`, before any parallel work.
import ArgumentParser
import TensorCore

public struct ThreadOptions: ParsableArguments {
    @Option(help: "Threads for BLAS and the parallel loops (default: the CPUs this process may use).") public var threads: Int?

    public init() {}

    public func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }

    /// Measures the CPUs, applies `--threads` and makes the result the process-wide budget.
    @discardableResult
    public func install() -> ThreadBudget {
        let budget = ThreadBudget.measure(requested: threads)
        ThreadBudget.install(budget)
        return budget
    }
}
