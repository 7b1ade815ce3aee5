// Read-only views for operators: the queue in the order workers will take it (like `lpstat -o`),
// one job's whole story (`kac status ID`), and the judgement of a running job's lease. Nothing
// here moves or writes a file, so any user who can read the spool may run it.
import Foundation
import Vocabulary

/// One queued job, at the position workers will take it.
public struct QueuedJob: Sendable, Equatable, Codable {
    /// 1 = next to be claimed.
    public var position: Int
    public var jobID: String
    public var priority: Int?
    public var count: Int?
    /// A zoo reference, `quality=<preset>` or `maxSteps=<n>`.
    public var model: String?
    /// When the file entered `new/` (its mtime): older runs first within a priority.
    public var queuedAt: Date
    /// Earlier claims whose worker died (the job was requeued).
    public var attempts: Int
    /// Why this entry will not render: it fails validation (the validator's error kept as the
    /// cause), or is not a job file at all. Encoded as its words.
    public var problem: Reason?
}

/// Everything the spool knows about one job (`kac status ID`).
public struct JobDetail: Sendable, Equatable, Codable {
    public var jobID: String
    public var state: SpoolState
    public var model: String?
    public var count: Int?
    public var priority: Int?
    /// For a queued job: its place in the queue (1 = next).
    public var queuePosition: Int?
    public var lease: Lease?
    public var leaseExpiresAt: Date?
    /// For a running job: why its worker looks gone (lease expired, or its pid died on this host).
    public var abandoned: String?
    public var progress: JobProgress?
    /// The progress file's ETA counted down to now.
    public var etaSeconds: Double?
    /// Claims so far (including the current one).
    public var attempts: Int
    public var cancelRequested: Bool
    public var failure: JobFailure?
    /// When the job reached `done/` or `failed/`.
    public var finishedAt: Date?
    /// `out/<id>/` when it exists.
    public var outputDirectory: String?
    /// Images and other files in `out/<id>/` (result.json included when present), sorted.
    public var outputs: [String]

    /// Human-readable, one fact per line; the output files one per line when `listingOutputs`,
    /// else only their count (`kac status ID --watch` while the job runs: the list would scroll
    /// the progress off the screen).
    public func text(now: Date, listingOutputs: Bool = true) -> String {
        var lines = ["job \(jobID): \(Self.stateWord(state))"]
        if let model { lines.append("model: \(Escaped.text(model))" + (count.map { ", \($0) image\($0 == 1 ? "" : "s")" } ?? "")) }
        if let priority, priority != 0 { lines.append("priority: \(priority)") }
        if let queuePosition { lines.append("queue position: \(queuePosition)" + (queuePosition == 1 ? " (next)" : "")) }
        if let lease {
            var line = "worker: \(Escaped.text(lease.worker.id)) on \(Escaped.text(lease.worker.host)) (pid \(lease.worker.pid)), "
            line += "heartbeat \(SpoolStatus.age(now.timeIntervalSince(lease.heartbeatAt))) ago"
            if let leaseExpiresAt {
                line +=
                    leaseExpiresAt < now ? ", lease EXPIRED" : ", lease valid for \(SpoolStatus.age(leaseExpiresAt.timeIntervalSince(now)))"
            }
            lines.append(line)
        }
        if let abandoned {
            lines.append("abandoned: \(Escaped.text(abandoned, limit: 500)); the next recovery pass of any worker requeues it")
        }
        if let progress {
            var line = "progress: \(progress.completed)/\(progress.total) images"
            if let step = progress.batchStep, let steps = progress.batchSteps, let images = progress.batchImages {
                line += ", batch of \(images) at step \(step)/\(steps)"
            }
            if let etaSeconds { line += ", eta \(SpoolStatus.age(etaSeconds))" }
            lines.append(line)
        }
        lines.append("attempts: \(attempts)")
        if cancelRequested, !state.isFinished { lines.append("cancel requested: the worker stops before its next sampler step") }
        if let failure {
            var line = "reason: [\(failure.code.rawValue)] \(Escaped.text(failure.reason, limit: 2000))"
            if let field = failure.field { line += " (field \(Escaped.text(field)))" }
            lines.append(line)
        }
        if let finishedAt { lines.append("finished: \(finishedAt.formatted(Date.ISO8601FormatStyle()))") }
        if let outputDirectory {
            lines.append("outputs: \(outputDirectory)/ (\(outputs.count) file\(outputs.count == 1 ? "" : "s"))")
            if listingOutputs { for output in outputs { lines.append("  \(Escaped.text(output))") } }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func stateWord(_ state: SpoolState) -> String {
        switch state {
        case .new: "queued (new/)"
        case .work: "running (work/)"
        case .done: "done (done/)"
        case .failed: "failed (failed/)"
        case .tmp: "being submitted (tmp/)"
        }
    }
}

extension RenderJob {
    /// How `kac status` names the generator: the model choice, plus the data set a preset chooses among.
    public var generatorSummary: String { model.description + (dataset.map { " dataset=\($0)" } ?? "") }
}

extension Spool {
    /// The queue in claim order: entries that will fail or be rejected first (workers clear them
    /// first), then valid jobs by priority (high first), age (old first) and id. Files that are
    /// still settling (invalid and younger than `settlePeriod`) are listed last with that note.
    public func queue() throws -> [QueuedJob] {
        var result: [QueuedJob] = []
        var listed = Set<String>()
        for entry in try scanQueue() {
            let name: String
            var problem: Reason?
            switch entry {
            case let .reject(rejected, reason, _):
                name = rejected
                problem = Reason("will be moved to failed/: " + reason)
            case let .invalid(id):
                name = id + ".json"
                if case .bytes(let bytes)? = try? SpoolFiles.read(directory(.new), name, limit: configuration.limits.maximumFileSize),
                    case .failure(let error) = validate(bytes, id: id)
                {
                    problem = Reason("will fail", cause: error)
                } else {
                    problem = "will fail validation"
                }
            case let .ready(id, _, _):
                name = id + ".json"
            }
            listed.insert(name)
            result.append(queuedJob(name: name, position: result.count + 1, problem: problem))
        }
        let settling = try queueEntryNames()
            .filter { !listed.contains($0) && info(.new, $0)?.kind == .regular }
            .sorted()
        for name in settling {
            result.append(
                queuedJob(
                    name: name, position: result.count + 1,
                    problem: "not valid yet; judged once unchanged for \(Int(configuration.settlePeriod))s"))
        }
        return result
    }

    private func queuedJob(name: String, position: Int, problem: Reason?) -> QueuedJob {
        let id = String(name.dropLast(".json".count))
        let entry = info(.new, name)
        var job: RenderJob?
        if let entry, case .success(let cached)? = scanCache.lookup(name, info: entry) { job = cached }
        return QueuedJob(
            position: position, jobID: id, priority: job?.priority, count: job?.count, model: job?.generatorSummary,
            queuedAt: entry?.modified ?? clock.now(), attempts: JobID.isValid(id) ? readAttempts(id) : 0, problem: problem)
    }

    /// Whether the worker holding a running job looks gone: its lease expired (judged by the
    /// timeout the claimer recorded in the lease, so `kac status` agrees with the worker's
    /// `--lease-timeout`), or its pid is dead on this host. Nil while the holder looks alive.
    func abandonmentReason(of lease: Lease, now: Date, host: String) -> String? {
        let expires = lease.expiresAt(fallback: configuration.leaseTimeout)
        let silence = Int(now.timeIntervalSince(lease.heartbeatAt))
        if lease.worker.host == host, !SpoolFiles.processIsAlive(lease.worker.pid) {
            return "worker \(lease.worker.id) (pid \(lease.worker.pid)) on this host is no longer running; last heartbeat \(silence)s ago"
        }
        if now > expires {
            // Another host's heartbeat is stamped by its clock: say whose clock judged it (kacd's recovery
            // does not compare the two; it watches the lease stop changing).
            let clock = lease.worker.host == host ? "" : " by \(host)'s clock, which may differ from \(lease.worker.host)'s"
            return
                "worker \(lease.worker.id) on \(lease.worker.host) last heartbeat \(silence)s ago\(clock), lease timeout \(Int(lease.timeout ?? configuration.leaseTimeout))s"
        }
        return nil
    }

    /// The ETA of `progress` counted down to `now` (the file is rewritten only now and then).
    static func remainingETA(_ progress: JobProgress?, now: Date) -> Double? {
        guard let progress, let eta = progress.etaSeconds else { return nil }
        return max(eta - now.timeIntervalSince(progress.updatedAt), 0)
    }

    /// Everything known about job `id`. Throws `invalidJobID` or `jobNotFound`.
    public func inspect(jobID id: String) throws -> JobDetail {
        guard JobID.isValid(id) else { throw SpoolError.invalidJobID(id) }
        let now = clock.now()
        guard let state = state(ofJob: id) else { throw SpoolError.jobNotFound(id) }
        var detail = JobDetail(
            jobID: id, state: state, attempts: readAttempts(id), cancelRequested: isCancelRequested(jobID: id), outputs: [])
        if case .bytes(let bytes)? = try? SpoolFiles.read(directory(state), Self.jobFile(id), limit: configuration.limits.maximumFileSize),
            case .success(let job) = validate(bytes, id: id)
        {
            (detail.model, detail.count, detail.priority) = (job.generatorSummary, job.count, job.priority)
        }
        switch state {
        case .new:
            detail.queuePosition = try queue().first { $0.jobID == id }?.position
        case .work:
            let lease = readJSON(Lease.self, .state(.work), Self.leaseFile(id))
            detail.lease = lease
            detail.leaseExpiresAt = lease?.expiresAt(fallback: configuration.leaseTimeout)
            detail.abandoned = lease.flatMap { abandonmentReason(of: $0, now: now, host: SpoolFiles.hostName) }
            detail.progress = readJSON(JobProgress.self, .state(.work), Self.progressFile(id))
            detail.etaSeconds = Self.remainingETA(detail.progress, now: now)
            detail.attempts = max(detail.attempts, lease?.attempt ?? 0)
        case .failed:
            detail.failure = readJSON(JobFailure.self, .state(.failed), Self.errorFile(id))
            detail.attempts = max(detail.attempts, detail.failure?.attempts ?? 0)
            detail.finishedAt = detail.failure?.failedAt ?? info(state, Self.jobFile(id))?.changed
        case .done:
            detail.finishedAt = info(state, Self.jobFile(id))?.changed
            detail.attempts = max(detail.attempts, resultAttempt(id) ?? 1)
        case .tmp:
            break
        }
        if info(.out, id)?.kind == .directory, let output = try? directory(.out).openDirectory(id) {
            detail.outputDirectory = path(.out, id)
            detail.outputs = try SpoolFiles.names(in: output)
                .filter { !$0.hasPrefix(".") && SpoolFiles.info(output, $0)?.kind == .regular }.sorted()
        }
        return detail
    }

    /// `attempt` from `out/<id>/result.json`, written by the worker that completed the job.
    private func resultAttempt(_ id: String) -> Int? {
        guard let output = try? directory(.out).openDirectory(id),
            case .bytes(let bytes)? = try? SpoolFiles.read(output, "result.json", limit: 1 << 22),
            let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]
        else { return nil }
        return object["attempt"] as? Int
    }
}
