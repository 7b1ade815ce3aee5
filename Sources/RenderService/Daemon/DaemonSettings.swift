// Every setting of `kacd`, by the one name it has both as a flag (`--max-count 64`) and as a key of
// the configuration file (`max-count = 64`): its default, its bounds, how its text is parsed and how
// it is printed. Values are layered defaults < configuration file < flags; any value out of bounds,
// unknown key or unreadable file is a `DaemonSettingsError`, which `kacd` reports in one line and
// exits 78 (EX_CONFIG) — so systemd, told `RestartPreventExitStatus=78`, does not restart-loop.
import Foundation
import Generation
import Logging
import Spool
import TensorCore
import Vocabulary

/// The keys of the configuration file, equal to the long names of `kacd`'s flags.
public enum DaemonSettingKey: String, CaseIterable, Sendable {
    case spool, zoo
    case workerID = "worker-id"
    case once
    case pollInterval = "poll-interval"
    case noInotify = "no-inotify"
    case leaseTimeout = "lease-timeout"
    case settlePeriod = "settle-period"
    case maxAttempts = "max-attempts"
    case modelCacheMB = "model-cache-mb"
    case batchSize = "batch-size"
    case maxCount = "max-count"
    case maxScale = "max-scale"
    case maxSteps = "max-steps"
    case maxFileSize = "max-file-size"
    case maxPriority = "max-priority"
    case maxWork = "max-work"
    case jobTimeLimit = "job-time-limit"
    case threads
    case precision
    case logLevel = "log-level"
    case pruneOlderThan = "prune-older-than"
    case pruneKeep = "prune-keep"
}

/// A setting that cannot be used; `description` is the one line `kacd` prints before exiting 78.
public struct DaemonSettingsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Where and what: `--max-count 0`, `/etc/kac/kacd.conf line 4 (max-count = 0)`, or the file.
    public let origin: String
    public let message: String
    /// Further errors found in the same configuration file, in line order (kacd prints each).
    public var others: [DaemonSettingsError] = []
    public init(origin: String, message: String) {
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
    /// The precision of jobs that name none; `bf16` is refused at start-up on a CPU without it.
    public var precision = PrecisionSetting.fp32
    public var logLevel = Logger.Level.info
    /// Retention: remove finished jobs older than this many seconds; nil (`off`) keeps them.
    public var pruneOlderThan: TimeInterval?
    /// Retention: keep at most this many finished jobs per state; nil (`all`) keeps them all.
    public var pruneKeep: Int?

    public init() {}

    // MARK: Bounds (inclusive; docs/operating.md, "kacd settings and the configuration file", lists the same table)

    public static let pollIntervalRange: ClosedRange<Double> = 0.01...3600
    public static let leaseTimeoutRange: ClosedRange<Double> = 0.1...86400
    public static let settlePeriodRange: ClosedRange<Double> = 0...3600
    public static let maxAttemptsRange = 1...1000
    /// Up to 1 TiB; the product with 2²⁰ must fit in an Int.
    public static let modelCacheMBRange = 0...1_048_576
    public static let batchSizeRange = 1...1024
    public static let maxCountRange = 1...100_000
    public static let maxScaleRange = 1...64
    public static let maxStepsRange = 1...100_000
    /// A minimal job is about 30 bytes, one naming every field about 400; more than 16 MiB is not a job.
    public static let maxFileSizeRange = 1024...16 << 20
    public static let threadsRange = 1...1024
    /// Job files may ask for -1000…1000; the ceiling lies in that range.
    public static let maxPriorityRange = -1000...1000
    /// Images × network evaluations; the top is 100,000 images × 100,000 evaluations.
    public static let maxWorkRange = 1...10_000_000_000
    /// One second to thirty days.
    public static let jobTimeLimitRange: ClosedRange<Double> = 1...(30 * 86400)
    /// Up to ten years; 0 removes every finished job at the next pass.
    public static let pruneOlderThanRange: ClosedRange<Double> = 0...(3650 * 86400)
    public static let pruneKeepRange = 0...10_000_000
    /// Worker ids go into leases, logs and systemd's `%H-%i`: host-name characters plus `_ : @`.
    public static let workerIDPattern = "[A-Za-z0-9._:@-]{1,64}"

    // MARK: Parsing one value

    /// Sets `key` from `text` as written after a flag or after `=` in the file; `origin` names
    /// where and what was written (`--max-count 0`), and starts the error message.
    public mutating func set(_ key: DaemonSettingKey, _ text: String, origin: String) throws(DaemonSettingsError) {
        let fail = { (message: String) in DaemonSettingsError(origin: origin, message: message) }
        // Seconds as a number (5, 0.5) or with a unit as prune-older-than takes them (5s, 2m, 1h).
        func seconds(_ range: ClosedRange<Double>) throws(DaemonSettingsError) -> Double {
            guard let value = Double(text) ?? RetentionPolicy.duration(text), value.isFinite else {
                throw fail("not a duration; give seconds (5, 0.5) or a number with s, m, h or d (5s, 2m) in \(Self.show(range)) s")
            }
            guard range.contains(value) else { throw fail("out of range; give seconds in \(Self.show(range))") }
            return value
        }
        func integer(_ range: ClosedRange<Int>, _ unit: String) throws(DaemonSettingsError) -> Int {
            guard let value = Int(text) else {
                throw fail("not a whole number; give \(unit) in \(range.lowerBound)…\(range.upperBound)")
            }
            guard range.contains(value) else {
                throw fail("out of range; give \(unit) in \(range.lowerBound)…\(range.upperBound)")
            }
            return value
        }
        func boolean() throws(DaemonSettingsError) -> Bool {
            switch text {
            case "true", "yes", "1": return true
            case "false", "no", "0": return false
            default: throw fail("not true or false")
            }
        }
        func path() throws(DaemonSettingsError) -> String {
            guard !text.isEmpty, !text.contains("\0") else { throw fail("empty; give a directory path") }
            return text
        }
        switch key {
        case .spool: spool = try path()
        case .zoo: zoo = try path()
        case .workerID:
            if text == "auto" { workerID = nil; return }
            let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:@-")
            guard (1...64).contains(text.count), text.allSatisfy(allowed.contains) else {
                throw fail("a worker id must match \(Self.workerIDPattern), or be auto for <host>-<pid>")
            }
            workerID = text
        case .once: once = try boolean()
        case .pollInterval: pollInterval = try seconds(Self.pollIntervalRange)
        case .noInotify: noInotify = try boolean()
        case .leaseTimeout: leaseTimeout = try seconds(Self.leaseTimeoutRange)
        case .settlePeriod: settlePeriod = try seconds(Self.settlePeriodRange)
        case .maxAttempts: maxAttempts = try integer(Self.maxAttemptsRange, "a number of claims")
        case .modelCacheMB: modelCacheMB = try integer(Self.modelCacheMBRange, "MiB")
        case .batchSize: batchSize = try integer(Self.batchSizeRange, "images per batch")
        case .maxCount: maxCount = try integer(Self.maxCountRange, "images per job")
        case .maxScale: maxScale = try integer(Self.maxScaleRange, "an upscale factor")
        case .maxSteps: maxSteps = try integer(Self.maxStepsRange, "sampler steps")
        case .maxFileSize: maxFileSize = try integer(Self.maxFileSizeRange, "bytes")
        case .maxPriority: maxPriority = try integer(Self.maxPriorityRange, "the highest priority a job may claim")
        case .maxWork: maxWork = try integer(Self.maxWorkRange, "images × network evaluations per job")
        case .jobTimeLimit:
            guard let seconds = RetentionPolicy.duration(text) ?? Double(text), seconds.isFinite else {
                throw fail("not a duration; give seconds or a number with s, m, h or d (2h, 90m)")
            }
            guard Self.jobTimeLimitRange.contains(seconds) else { throw fail("out of range; give 1s…30d") }
            jobTimeLimit = seconds
        case .threads:
            if text == "auto" { threads = nil; return }
            threads = try integer(Self.threadsRange, "threads (or auto)")
        case .precision:
            guard let setting = PrecisionSetting(rawValue: text) else { throw fail("give \(PrecisionSetting.choices)") }
            guard setting.resolved(bf16Available: ZooVelocityModel.bf16Available) != nil else {
                throw fail((ZooVelocityModel.bf16Unavailable ?? PrecisionUnavailable()).description)
            }
            precision = setting
        case .logLevel:
            guard let level = Logger.Level(rawValue: text) else {
                let names = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
                throw fail("not a log level; give one of \(names)")
            }
            logLevel = level
        case .pruneOlderThan:
            if text == "off" { pruneOlderThan = nil; return }
            guard let seconds = RetentionPolicy.duration(text) else {
                throw fail("not a duration; give a number with s, m, h, d or w (7d, 12h, 90s), or off")
            }
            guard Self.pruneOlderThanRange.contains(seconds) else {
                throw fail("out of range; give at most 3650d, or off")
            }
            pruneOlderThan = seconds
        case .pruneKeep:
            if text == "all" { pruneKeep = nil; return }
            pruneKeep = try integer(Self.pruneKeepRange, "finished jobs per state (or all)")
        }
    }

    /// The value of `key` as `set` reads it back (`auto` for the machine-chosen ones).
    public func text(of key: DaemonSettingKey) -> String {
        switch key {
        case .spool: spool
        case .zoo: zoo
        case .workerID: workerID ?? "auto"
        case .once: String(once)
        case .pollInterval: Self.show(pollInterval)
        case .noInotify: String(noInotify)
        case .leaseTimeout: Self.show(leaseTimeout)
        case .settlePeriod: Self.show(settlePeriod)
        case .maxAttempts: String(maxAttempts)
        case .modelCacheMB: String(modelCacheMB)
        case .batchSize: String(batchSize)
        case .maxCount: String(maxCount)
        case .maxScale: String(maxScale)
        case .maxSteps: String(maxSteps)
        case .maxFileSize: String(maxFileSize)
        case .maxPriority: String(maxPriority)
        case .maxWork: String(maxWork)
        case .jobTimeLimit: Self.showDuration(jobTimeLimit)
        case .threads: threads.map(String.init) ?? "auto"
        case .precision: precision.rawValue
        case .logLevel: logLevel.rawValue
        case .pruneOlderThan: pruneOlderThan.map(Self.showDuration) ?? "off"
        case .pruneKeep: pruneKeep.map(String.init) ?? "all"
        }
    }

    /// Seconds in the largest unit (up to days) that divides them: `7d`, `12h`, `30m`, `90s`.
    static func showDuration(_ seconds: TimeInterval) -> String {
        for (unit, size) in [("d", 86_400.0), ("h", 3600), ("m", 60)]
        where seconds >= size && (seconds / size).rounded() == seconds / size {
            return show(seconds / size) + unit
        }
        return show(seconds) + "s"
    }

    /// The retention kacd applies at start-up and hourly; nil when neither limit is set.
    public var retention: RetentionPolicy? {
        guard pruneOlderThan != nil || pruneKeep != nil else { return nil }
        return RetentionPolicy(maximumAge: pruneOlderThan, keepLatest: pruneKeep)
    }

    static func show(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
    static func show(_ range: ClosedRange<Double>) -> String { "\(show(range.lowerBound))…\(show(range.upperBound))" }

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
        return configuration
    }
}
