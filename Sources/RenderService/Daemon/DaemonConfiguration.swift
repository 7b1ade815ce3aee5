// Everything `kacd` is told at start-up, as one typed value built by `main` from its checked
// settings (`DaemonSettings.configuration(threads:)`; libraries never read the environment).
import Foundation
import Generation
import Spool
import TensorCore
import Vocabulary

public struct DaemonConfiguration: Sendable {
    public var spoolPath: String
    public var zooPath: String
    public var worker: WorkerIdentity
    /// Drain the spool, then exit instead of waiting for more jobs.
    public var once: Bool
    /// Rescan `new/` at least this often (inotify sees nothing on network filesystems).
    public var pollInterval: TimeInterval
    public var useInotify: Bool
    public var spool: SpoolConfiguration
    /// Byte budget of the in-memory model cache.
    public var modelCacheBytes: Int
    /// Images per generator call.
    public var batchSize: Int
    /// Threads for BLAS and the parallel loops: the CPUs this process may use, or `--threads`.
    /// `kacd` installs it process-wide (`ThreadBudget.install`) before the daemon starts.
    public var threads: ThreadBudget
    /// Jobs rendered at once (one work loop each, 1 … `threads.threads`); the threads are split
    /// evenly between them (`threadsPerWorker`).
    public var workers = 1
    /// Finished jobs (`done/`, `failed/` and their `out/<id>/`) older or more numerous than this
    /// are removed by the work loop every `retentionInterval` seconds; nil keeps everything.
    public var retention: RetentionPolicy? = nil
    public var retentionInterval: TimeInterval = 3600
    /// The precision of jobs that name none (checked against the CPU at start-up).
    public var precision = PrecisionSetting.fp32
    /// Where a job's precision reads whether bf16 runs here (once per job): the CPU, unless a test
    /// plays another machine.
    public var bf16 = BF16Probe.system

    public init(
        spoolPath: String = "./spool", zooPath: String = "./zoo", worker: WorkerIdentity, once: Bool = false,
        pollInterval: TimeInterval = 5, useInotify: Bool = true, spool: SpoolConfiguration = SpoolConfiguration(),
        modelCacheBytes: Int = 512 << 20, batchSize: Int = 16, threads: ThreadBudget = .current
    ) {
        self.spoolPath = spoolPath
        self.zooPath = zooPath
        self.worker = worker
        self.once = once
        self.pollInterval = pollInterval
        self.useInotify = useInotify
        self.spool = spool
        self.modelCacheBytes = modelCacheBytes
        self.batchSize = batchSize
        self.threads = threads
    }

    /// Threads each work loop computes with: `threads` split evenly between the workers, at least 1.
    public var threadsPerWorker: Int { max(1, threads.threads / max(workers, 1)) }

    /// The budget `kacd` installs process-wide: each job computes with its worker's share.
    public var workerBudget: ThreadBudget {
        ThreadBudget(threads: threadsPerWorker, source: threads.source, affinityCPUs: threads.affinityCPUs, quota: threads.quota)
    }

    /// The identity work loop `slot` (0-based) claims as: this process's worker id for the first,
    /// `<id>:<slot + 1>` for the others, so each has its own lease owner and `workers/` record.
    public func worker(slot: Int) -> WorkerIdentity {
        guard slot > 0 else { return worker }
        var identity = worker
        identity.id = "\(worker.id):\(slot + 1)"
        return identity
    }

    /// Lease heartbeats are written at least this often (a third of the lease timeout).
    public var heartbeatInterval: TimeInterval { max(spool.leaseTimeout / 3, 0.05) }
}
