// Signals that arrive while kacd starts. Until the service group installs its own handlers
// (ServiceLifecycle, after the spool and zoo are open and the thread budget is measured), SIGTERM
// and SIGINT would end the process with 128+signal, and SIGHUP would kill it outright. `hold()`
// runs first thing in `main`: it records SIGTERM/SIGINT in a flag (a plain store, which is
// async-signal-safe) and ignores SIGHUP; the daemon then stops cleanly — before claiming any job —
// when the flag is set, whether it sees it before starting its services or just after.
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#endif

/// The signal recorded during start-up (0: none). Written only by the signal handler.
nonisolated(unsafe) private var heldSignal: Int32 = 0

public enum StartupSignals {
    /// Installs the start-up handlers (SIGTERM and SIGINT recorded, SIGHUP ignored).
    public static func hold() {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { number in heldSignal = number }
        sigemptyset(&action.sa_mask)
        for number in [SIGTERM, SIGINT] { sigaction(number, &action, nil) }
        signal(SIGHUP, SIG_IGN)
    }

    /// The termination signal received while starting, if any.
    public static var received: Int32? { heldSignal == 0 ? nil : heldSignal }

    /// Forgets a recorded signal and restores the default dispositions (for tests).
    public static func reset() {
        heldSignal = 0
        for number in [SIGTERM, SIGINT, SIGHUP] { signal(number, SIG_DFL) }
    }
}

/// Ends the service group gracefully when a termination signal was recorded during start-up
/// (between `hold()` and the moment the group's own handlers replaced the start-up ones).
struct StartupSignalService: Service {
    func run() async throws {
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            if StartupSignals.received != nil { return }
            try? await Task.sleep(nanoseconds: 100_000_000)
        }
    }
}
