// The table of kacd's settings, in the order --print-config and the docs list them. Adding a
// setting is one field in `DaemonSettings` and one row here (DaemonSettingTableTests fails for a
// field without a row, and for docs/operating.md until `scripts/settings-table.sh` regenerates it).
import Foundation
import Generation
import Logging
import Spool
import Vocabulary

extension DaemonSetting {
    public static let all: [DaemonSetting] = [
        spool, zoo,
        DaemonSetting(
            "worker-id", \.workerID, .workerID, help: "Worker name in leases and logs; `auto` is `<host>-<pid>`.",
            defaultNote: "`<host>-<pid>`"),
        DaemonSetting(
            "poll-interval", \.pollInterval, .seconds(0.01...3600), help: "Seconds between rescans of `new/`; inotify wakes earlier."),
        DaemonSetting("no-inotify", \.noInotify, .boolean, help: "Poll only (network filesystems, where inotify sees nothing)."),
        DaemonSetting(
            "lease-timeout", \.leaseTimeout, .seconds(0.1...86400), help: "Seconds without a heartbeat before a job is requeued."),
        DaemonSetting(
            "settle-period", \.settlePeriod, .seconds(0...3600), help: "Seconds an invalid file must sit unchanged before it is failed."),
        DaemonSetting(
            "max-attempts", \.maxAttempts, .integer(1...1000, "a number of claims"),
            help: "Claims of a job whose worker died before it goes to `failed/`."),
        // Up to 1 TiB; the product with 2²⁰ must fit in an Int.
        DaemonSetting("model-cache-mb", \.modelCacheMB, .integer(0...1_048_576, "MiB"), help: "Memory budget for loaded models, MiB."),
        DaemonSetting("batch-size", \.batchSize, .integer(1...1024, "images per batch"), help: "Images per sampler batch."),
        DaemonSetting("max-count", \.maxCount, .integer(1...100_000, "images per job"), help: "Most images one job may request."),
        DaemonSetting("max-scale", \.maxScale, .integer(1...64, "an upscale factor"), help: "Largest upscale factor."),
        DaemonSetting("max-steps", \.maxSteps, .integer(1...100_000, "sampler steps"), help: "Largest sampler step count."),
        // A minimal job is about 30 bytes, one naming every field about 400; more than 16 MiB is not a job.
        DaemonSetting("max-file-size", \.maxFileSize, .integer(1024...16 << 20, "bytes"), help: "Largest job file, bytes."),
        // Job files may ask for -1000…1000; the ceiling lies in that range.
        DaemonSetting(
            "max-priority", \.maxPriority, .integer(-1000...1000, "the highest priority a job may claim"),
            help: "Highest `priority` a job file may claim; higher ones are refused."),
        // The top is 100,000 images × 100,000 evaluations.
        DaemonSetting(
            "max-work", \.maxWork, .integer(1...10_000_000_000, "images × network evaluations per job"),
            help: "Most images × network evaluations one job may ask for (guidance doubles the evaluations)."),
        DaemonSetting(
            "job-time-limit", \.jobTimeLimit, .duration(1...(30 * 86400)),
            help: "Longest a job may render; a job still running then fails as `limit-exceeded`, its images kept."),
        DaemonSetting(
            "threads", \.threads, .integer(1...1024, "threads", or: "auto"),
            help: "Threads for BLAS and the parallel loops; `auto`: the CPUs this process may use (affinity and cgroup quota).",
            defaultNote: "the CPUs kacd may use"),
        DaemonSetting(
            "workers", \.workers, .integer(1...1024, "jobs at once", or: "auto"),
            help: "Jobs rendered at once, each on its own thread with `threads`/`workers` threads (at most `threads`); `auto`: one per thread.",
            defaultNote: "one per thread"),
        DaemonSetting(
            "precision", \.precision, .precision,
            help: "Precision of jobs that name none; `bf16` is refused at start-up on CPUs without AVX512_BF16, or where the process "
                + "may not make memory executable (oneDNN generates its kernels at run time); `auto` is `bf16` where the CPU has it."),
        DaemonSetting("log-level", \.logLevel, .logLevel, help: "The lowest priority logged."),
        DaemonSetting("once", \.once, .boolean, help: "Drain the spool, then exit."),
        // Up to ten years; 0 removes every finished job at the next pass.
        DaemonSetting(
            "prune-older-than", \.pruneOlderThan, .durationOrOff(0...(3650 * 86400)),
            help: "Retention: remove finished jobs (`done/`, `failed/`, their `out/<id>/`) older than this; `off` keeps them.",
            defaultNote: "keep"),
        DaemonSetting(
            "prune-keep", \.pruneKeep, .integer(0...10_000_000, "finished jobs per state", or: "all"),
            help: "Retention: keep at most this many finished jobs per state; `all` keeps them all."),
    ]

    /// The two settings `kac` also reads from the installed file (its default spool and zoo).
    public static let spool = DaemonSetting("spool", \.spool, .path, help: "The spool directory, created if missing.")
    public static let zoo = DaemonSetting("zoo", \.zoo, .path, help: "The model zoo (a model store with `zoo.json`), opened read-only.")
}

extension SettingValue where Value == String? {
    /// Worker ids go into leases, logs and systemd's `%H-%i`: host-name characters plus `_ : @`; `auto` is nil.
    static var workerID: SettingValue {
        let pattern = "[A-Za-z0-9._:@-]{1,64}"
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:@-")
        return SettingValue(placeholder: "<id>", accepts: "`\(pattern)`, `auto`") { (text: String) throws(SettingRefusal) -> String? in
            if text == "auto" { return nil }
            guard (1...64).contains(text.count), text.allSatisfy(allowed.contains) else {
                throw SettingRefusal("a worker id must match \(pattern), or be auto for <host>-<pid>")
            }
            return text
        } show: {
            $0 ?? "auto"
        }
    }
}

extension SettingValue where Value == PrecisionSetting {
    /// fp32, bf16 or auto; bf16 only where this CPU (and process) can run it.
    static var precision: SettingValue {
        SettingValue(placeholder: "<precision>", accepts: "`fp32`, `auto`, `bf16`") {
            (text: String) throws(SettingRefusal) -> PrecisionSetting in
            guard let setting = PrecisionSetting(rawValue: text) else { throw SettingRefusal("give \(PrecisionSetting.choices)") }
            guard setting.resolved(bf16Available: ZooVelocityModel.bf16Available) != nil else {
                throw SettingRefusal(Reason(cause: ZooVelocityModel.bf16Unavailable ?? PrecisionUnavailable()))
            }
            return setting
        } show: {
            $0.rawValue
        }
    }
}

extension SettingValue where Value == Logger.Level {
    static var logLevel: SettingValue {
        let names = Logger.Level.allCases.map(\.rawValue)
        return SettingValue(placeholder: "<level>", accepts: "`\(names.joined(separator: " "))`") {
            (text: String) throws(SettingRefusal) -> Logger.Level in
            guard let level = Logger.Level(rawValue: text) else {
                throw SettingRefusal("not a log level; give one of \(names.joined(separator: ", "))")
            }
            return level
        } show: {
            $0.rawValue
        }
    }
}
