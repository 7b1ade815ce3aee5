// How many threads this process computes with: the CPUs it may use (scheduler affinity, capped by
// a cgroup CPU quota), or what the operator asked for with `--threads`. One process-wide value,
// installed once at start-up, feeds OpenBLAS and every parallel loop (NeuralNet kernels, KacFlow's
// per-sample loops), so no thread count is written into the code.
// Invariant: `threads` ≥ 1. Linux-specific measurement (ThreadBudget+Linux.swift).
import Foundation

public struct ThreadBudget: Sendable, Equatable, CustomStringConvertible {
    /// Why `threads` has the value it has.
    public enum Source: String, Sendable, Equatable {
        /// The CPUs in this process's scheduler affinity mask (`taskset`, cpuset).
        case affinity
        /// A cgroup CPU quota (v2 `cpu.max`, v1 `cpu.cfs_quota_us`) smaller than the affinity mask.
        case cgroupQuota = "cgroup quota"
        /// The operator's `--threads N`.
        case option = "--threads"
    }

    /// Threads for BLAS calls and parallel loops, at least 1.
    public let threads: Int
    public let source: Source
    /// CPUs the scheduler lets this process run on (as measured, whatever `source` is).
    public let affinityCPUs: Int
    /// The tightest cgroup CPU quota on this process's cgroup and its parents; nil: no limit.
    public let quota: CPUQuota?

    public init(threads: Int, source: Source, affinityCPUs: Int, quota: CPUQuota?) {
        precondition(threads >= 1, "ThreadBudget: threads must be at least 1, got \(threads)")
        self.threads = threads
        self.source = source
        self.affinityCPUs = affinityCPUs
        self.quota = quota
    }

    /// min(affinity CPUs, ⌈quota/period⌉), at least 1; `requested` (from `--threads`) wins when given.
    public static func usable(affinityCPUs: Int, quota: CPUQuota?, requested: Int? = nil) -> ThreadBudget {
        let affinity = max(affinityCPUs, 1)
        if let requested {
            precondition(requested >= 1, "ThreadBudget: --threads must be at least 1, got \(requested)")
            return ThreadBudget(threads: requested, source: .option, affinityCPUs: affinity, quota: quota)
        }
        if let quota, quota.cpus < affinity {
            return ThreadBudget(threads: quota.cpus, source: .cgroupQuota, affinityCPUs: affinity, quota: quota)
        }
        return ThreadBudget(threads: affinity, source: .affinity, affinityCPUs: affinity, quota: quota)
    }

    /// Measures this process's CPUs (affinity and cgroup quota) and applies `requested` if given.
    public static func measure(requested: Int? = nil) -> ThreadBudget {
        usable(affinityCPUs: SystemCPUs.affinityCount(), quota: CgroupCPUQuota.current(), requested: requested)
    }

    /// "2 threads from affinity (affinity: 2 CPUs, cgroup quota: none)".
    public var description: String {
        "\(threads) thread\(threads == 1 ? "" : "s") from \(source.rawValue) (affinity: \(affinityCPUs) CPU"
            + "\(affinityCPUs == 1 ? "" : "s"), cgroup quota: \(quota.map { "\($0)" } ?? "none"))"
    }
}

/// A CPU bandwidth limit: `quota` µs of CPU time every `period` µs.
public struct CPUQuota: Sendable, Equatable, CustomStringConvertible {
    public let quota: Int
    public let period: Int

    public init(quota: Int, period: Int) {
        precondition(quota > 0 && period > 0, "CPUQuota: quota and period must be positive, got \(quota)/\(period)")
        self.quota = quota
        self.period = period
    }

    /// ⌈quota/period⌉: a 1.5-CPU quota still lets 2 threads make progress (in integers: no rounding).
    public var cpus: Int { max(1, (quota + period - 1) / period) }

    public var description: String { "\(quota)/\(period) µs = \(cpus) CPU\(cpus == 1 ? "" : "s")" }
}

extension ThreadBudget {
    /// The process-wide budget. Reading it before `install` measures the machine once and installs
    /// that (so libraries and tests get the CPUs they may use without any set-up).
    public static var current: ThreadBudget {
        installed.withLock { budget in
            if let budget { return budget }
            let measured = measure()
            apply(measured)
            budget = measured
            return measured
        }
    }

    /// Makes `budget` the process-wide setting and tells OpenBLAS. Call it once, at start-up,
    /// before any parallel work (the executables do it right after parsing their options).
    public static func install(_ budget: ThreadBudget) {
        installed.withLock { current in
            apply(budget)
            current = budget
        }
    }

    private static func apply(_ budget: ThreadBudget) {
        BLAS.threadCount = budget.threads
    }

    private static let installed = Locked<ThreadBudget?>(nil)
}

/// A value behind a lock (Synchronization.Mutex needs macOS 15; the package still declares 14).
private final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<Result>(_ body: (inout Value) -> Result) -> Result {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
