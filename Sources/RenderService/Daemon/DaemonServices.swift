// The daemon's small services, run together in one swift-service-lifecycle `ServiceGroup`:
// the work loops (each claims and renders on a thread of its own), the spool watcher (inotify +
// polling wakes every loop), the status reporter (READY=1, STATUS=, STOPPING=1 over sd_notify) and the
// SIGHUP handler (re-resolve zoo tags). SIGTERM/SIGINT shut the group down gracefully.
import Dispatch
import Foundation
import Logging
import ServiceLifecycle
import Spool
import Vocabulary

/// The work loops, one thread each; returns when every loop has ended (shutdown, or --once drained).
struct WorkerService: Service {
    let loops: [WorkLoop]
    let state: DaemonState
    let logger: Logger
    let reporter: StatusReporter

    func run() async throws {
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                for (slot, loop) in loops.enumerated() {
                    group.addTask {
                        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                            let thread = Thread {
                                loop.run()
                                continuation.resume()
                            }
                            thread.name = loops.count == 1 ? "kacd-work" : "kacd-work-\(slot + 1)"
                            thread.stackSize = 16 << 20
                            thread.start()
                        }
                    }
                }
            }
        } onGracefulShutdown: {
            if state.requestStop() {
                let jobs = loops.count == 1 ? "the job" : "each job in hand"
                logger.info("Shutdown requested: finishing the current batch, then giving \(jobs) back to new/.")
                reporter.announceStopping()
            }
            for loop in loops { loop.wake.signal() }
        }
        // --once: the queue is drained; say so before the group winds down.
        if state.requestStop() { reporter.announceStopping() }
    }
}

struct WatcherService: Service {
    let spool: Spool
    let configuration: DaemonConfiguration
    /// One per work loop: a new file wakes every idle loop (the first to claim it wins; the others
    /// find the next file, or nothing, and wait again).
    let wakes: [WakeSignal]
    let logger: Logger

    func run() async throws {
        let watcher = try SpoolWatcher(spool: spool, pollInterval: configuration.pollInterval, useInotify: configuration.useInotify)
        logger.info(
            "Watching \(spool.root)/new with \(watcher.usesInotify ? "inotify and " : "")polling every \(configuration.pollInterval) s.")
        await withGracefulShutdownHandler {
            for await _ in watcher.wakes() { for wake in wakes { wake.signal() } }
        } onGracefulShutdown: {
            watcher.stop()
        }
    }
}

/// READY=1 once running, STATUS= whenever the status line changes, STOPPING=1 on shutdown.
final class StatusReporter: Service, @unchecked Sendable {
    let notifier: SystemdNotifier
    let state: DaemonState
    let spool: Spool
    let logger: Logger
    private let lock = NSLock()
    private var lastStatus = ""

    init(notifier: SystemdNotifier, state: DaemonState, spool: Spool, logger: Logger) {
        self.notifier = notifier
        self.state = state
        self.spool = spool
        self.logger = logger
    }

    func run() async throws {
        let line = currentLine()
        send { try notifier.ready(status: line) }
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(500))
            let line = currentLine()
            if lock.withLock({
                defer { lastStatus = line }; return line != lastStatus
            }) {
                send { try notifier.status(line) }
            }
        }
    }

    func announceStopping() {
        let line = currentLine()
        send { try notifier.stopping(status: line) }
    }

    private func currentLine() -> String {
        state.statusLine(queued: try? spool.queuedEntryCount())
    }

    private func send(_ body: () throws -> Void) {
        do { try body() } catch { logger.warning("\(Reason("Could not tell systemd the service state", cause: error, then: "."))") }
    }
}

/// SIGHUP: forget resolved tags and selections so the next job sees newly published models.
struct ReloadService: Service {
    let cache: ModelCache
    let logger: Logger

    func run() async throws {
        signal(SIGHUP, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: DispatchQueue(label: "kacd.sighup"))
        source.setEventHandler { [cache, logger] in
            cache.reloadTags()
            logger.info("Reloading on SIGHUP: zoo tags will be re-resolved for the next job.")
        }
        source.resume()
        try? await gracefulShutdown()
        source.cancel()
    }
}
