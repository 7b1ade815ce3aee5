// Ctrl-C (SIGINT) and SIGTERM for long commands that can stop cleanly (`kac train`): the first
// signal asks the command to stop at its next safe point (after a training step, with the
// checkpoint written), the second exits at once. Installed only by commands that poll
// `isRequested`; every other command keeps the default action (exit).
import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
import ToolSupport
#endif

enum InterruptSignal {
    private static let requested = Atomic<Bool>(false)
    // Kept alive for the process's lifetime; written once, on the main thread, before any signal.
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []

    /// `purpose` says what happens on the first signal ("writing the checkpoint").
    static func install(purpose: String) {
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                if requested.exchange(true, ordering: .relaxed) {
                    Console.note("second interrupt: exiting now")
                    exit(130)
                }
                Console.note("interrupt: \(purpose) (interrupt again to quit at once)")
            }
            source.resume()
            sources.append(source)
        }
    }

    static var isRequested: Bool { requested.load(ordering: .relaxed) }
}
