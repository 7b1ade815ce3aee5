// The typed values of `kacd`'s settings, each filled by one `DaemonSetting` (DaemonSetting+Table.swift
// names it, bounds it, parses and prints it). Values are layered defaults < configuration file <
// flags; any value out of bounds, unknown key or unreadable file is a `DaemonSettingsError`, which
// `kacd` reports in one line and exits 78 (EX_CONFIG) — so systemd, told `RestartPreventExitStatus=78`,
// does not restart-loop. The defaults are the fields' initial values here.
import Foundation
import Generation
import Logging
import Spool
import TensorCore
import Vocabulary

/// A setting that cannot be used; `description` is the one line `kacd` prints before exiting 78.
public struct DaemonSettingsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Where and what: `--max-count 0`, `/etc/kac/kacd.conf line 4 (max-count = 0)`, or the file.
    public let origin: String
    /// What is wrong with it (an unreadable file's error kept as the cause).
    public let message: Reason
    /// Further errors found in the same configuration file, in line order (kacd prints each).
    public var others: [DaemonSettingsError] = []
    public init(origin: String, message: Reason) {
        self.origin = origin
        self.message = message
    }
    public var description: String { "\(origin): \(message)" }
    /// This error and the others, one line each.
    public var lines: [String] { [description] + others.map(\.description) }
}

/// The typed settings of one `kacd` process, before the machine is consulted (worker identity and
/// thread count are resolved by `configuration()`).
public struct DaemonSettings: Sendable, Equatable {
    public var spool = "./spool"
    public var zoo = "./zoo"
    /// nil: `<host>-<pid>`.
    public var workerID: String?
    public var once = false
    public var pollInterval: TimeInterval = 5
    public var noInotify = false
    public var leaseTimeout: TimeInterval = 120
    public var settlePeriod: TimeInterval = 5
    public var maxAttempts = 3
    public var modelCacheMB = 512
    public var batchSize = 16
    public var maxCount = SpoolLimits.default.maximumCount
    public var maxScale = SpoolLimits.default.maximumScale
    public var maxSteps = SpoolLimits.default.maximumSteps
    public var maxFileSize = SpoolLimits.default.maximumFileSize
    public var maxPriority = SpoolLimits.default.maximumPriority
    public var maxWork = SpoolLimits.default.maximumWork
    /// Seconds one job may render.
    public var jobTimeLimit = SpoolLimits.default.timeLimit
    /// nil: the CPUs this process may use (affinity and cgroup quota).
    public var threads: Int?
    /// Jobs rendered at once; nil: one per thread (`threads`), each job on its own thread.
    public var workers: Int?
    /// The precision of jobs that name none; `bf16` is refused at start-up on a CPU without it.
    public var precision = PrecisionSetting.fp32
    public var logLevel = Logger.Level.info
    /// Retention: remove finished jobs older than this many seconds; nil (`off`) keeps them.
    public var pruneOlderThan: TimeInterval?
    /// Retention: keep at most this many finished jobs per state; nil (`all`) keeps them all.
    public var pruneKeep: Int?

    public init() {}

    /// The retention kacd applies at start-up and hourly; nil when neither limit is set.
    public var retention: RetentionPolicy? {
        guard pruneOlderThan != nil || pruneKeep != nil else { return nil }
        return RetentionPolicy(maximumAge: pruneOlderThan, keepLatest: pruneKeep)
    }

    // MARK: To the daemon

    public var limits: SpoolLimits {
        SpoolLimits(
            maximumCount: maxCount, maximumScale: maxScale, maximumFileSize: maxFileSize, maximumSteps: maxSteps,
            maximumPriority: maxPriority, maximumWork: maxWork, timeLimit: jobTimeLimit)
    }

    /// The daemon's configuration, with the worker identity and thread budget taken from this process.
    public func configuration(threads budget: ThreadBudget) -> DaemonConfiguration {
        var configuration = DaemonConfiguration(
            spoolPath: spool, zooPath: zoo, worker: WorkerIdentity.current(id: workerID), once: once, pollInterval: pollInterval,
            useInotify: !noInotify,
            spool: SpoolConfiguration(limits: limits, leaseTimeout: leaseTimeout, settlePeriod: settlePeriod, maximumAttempts: maxAttempts),
            modelCacheBytes: modelCacheMB << 20, batchSize: batchSize, threads: budget)
        configuration.retention = retention
        configuration.precision = precision
        // auto: one job per thread, so a stream of small jobs overlaps its serial parts (claims,
        // flushes, encoding) instead of leaving the second CPU idle during them.
        configuration.workers = min(workers ?? budget.threads, budget.threads)
        return configuration
    }
}
