// The watchdog with several workers: pings at most every half timeout, withheld (and said once, at
// critical priority) while one worker has been quiet for the whole timeout, resumed when it reports
// again; a worker whose loop ended on purpose does not hold them back. A real AF_UNIX socket plays
// systemd; the clock is the test's.
import Foundation
import Glibc
import Logging
import RenderService
import Synchronization
import TestSupport
import Testing

@Suite struct PulseTests {
    final class Clock: Sendable {
        let seconds = Mutex<Double>(1000)
        func advance(_ by: Double) { seconds.withLock { $0 += by } }
        var date: Date { Date(timeIntervalSince1970: seconds.withLock { $0 }) }
    }

    /// Whether a datagram is waiting (sendto on a local datagram socket delivers before it returns).
    func pinged(_ manager: FakeServiceManager) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 64)
        var any = false
        while recv(manager.fd, &buffer, buffer.count, Int32(MSG_DONTWAIT)) > 0 { any = true }
        return any
    }

    @Test func oneQuietWorkerAmongLiveOnesWithholdsThePings() throws {
        let directory = TemporaryDirectory(prefix: "kac-pulse")
        let manager = try FakeServiceManager(name: directory.file("notify"))
        let clock = Clock()
        let lines = Lines()
        let logger = Logger(label: "test") { _ in DaemonLogHandler(level: .info, style: .journal, write: lines.append) }
        let pulse = Pulse(
            notifier: SystemdNotifier(socketPath: manager.name, watchdogTimeout: .seconds(60)), logger: logger, now: { clock.date })
        #expect(pulse.interval == 30)

        pulse.beat("w0")
        pulse.beat("w1")
        #expect(pinged(manager))
        clock.advance(10)
        pulse.beat("w0")
        #expect(!pinged(manager), "at most one ping per half timeout")
        // w1 hangs; w0 keeps reporting. Pings go on until w1 has been quiet for the whole timeout.
        for _ in 0..<5 {
            clock.advance(10)
            pulse.beat("w0")
        }
        _ = pinged(manager)
        clock.advance(10)  // w1 quiet for 70 s
        pulse.beat("w0")
        #expect(!pinged(manager))
        clock.advance(40)
        pulse.beat("w0")
        #expect(!pinged(manager), "withheld for as long as w1 stays quiet")
        #expect(lines.all.count == 1, "said once: \(lines.all)")
        #expect(lines.all.first?.hasPrefix("<2>") == true && lines.all.first?.contains("Worker w1 has not reported for 110 s") == true)

        pulse.beat("w1")  // it was slow, not dead
        #expect(pinged(manager))
        #expect(lines.all.last?.contains("Worker w1 reports again after 110 s") == true)

        // A loop that ends on purpose (drained, stopping) is not a hang.
        pulse.retire("w1")
        clock.advance(200)
        pulse.beat("w0")
        #expect(pinged(manager))
    }

    @Test func withoutAWatchdogNothingIsSent() throws {
        let directory = TemporaryDirectory(prefix: "kac-pulse")
        let manager = try FakeServiceManager(name: directory.file("notify"))
        let pulse = Pulse(notifier: SystemdNotifier(socketPath: manager.name), logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        #expect(pulse.interval == nil)
        pulse.beat("w0")
        #expect(!pinged(manager))
    }
}
