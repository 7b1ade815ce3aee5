// sd_notify against a real AF_UNIX SOCK_DGRAM socket standing in for systemd: path and abstract
// sockets, the message format, WATCHDOG_USEC parsing, and the no-socket no-op.
import Foundation
import Glibc
import RenderService
import TestSupport
import Testing

/// A bound datagram socket that plays the service manager.
final class FakeServiceManager {
    let fd: Int32
    let name: String

    /// `name` is a filesystem path, or `@abstract` for the abstract namespace.
    init(name: String) throws {
        self.name = name
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(name.utf8)
        if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in for (i, b) in bytes.enumerated() { raw[i] = b } }
        let length = socklen_t(2 + bytes.count + (bytes.first == 0 ? 0 : 1))
        let result = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard result == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EINVAL) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    func receive() -> String? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(fd, &buffer, buffer.count, 0)
        return count < 0 ? nil : String(decoding: buffer[..<count], as: UTF8.self)
    }
}

@Suite struct SystemdNotifierTests {
    @Test func sendsReadyStatusWatchdogStoppingToAPathSocket() throws {
        let directory = TemporaryDirectory(prefix: "kac-notify")
        let manager = try FakeServiceManager(name: directory.file("notify"))
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": manager.name])
        #expect(notifier.isEnabled)
        try notifier.ready(status: "3 jobs queued")
        #expect(manager.receive() == "READY=1\nSTATUS=3 jobs queued\n")
        try notifier.status("rendering job=a\nsneakers")
        #expect(manager.receive() == "STATUS=rendering job=a sneakers\n")
        try notifier.watchdog()
        #expect(manager.receive() == "WATCHDOG=1\n")
        try notifier.stopping()
        #expect(manager.receive() == "STOPPING=1\n")
        try notifier.notify([.extendTimeout(microseconds: 5_000_000), .reloading])
        #expect(manager.receive() == "EXTEND_TIMEOUT_USEC=5000000\nRELOADING=1\n")
    }

    @Test func sendsToAnAbstractSocket() throws {
        let name = "@kac-notify-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let manager = try FakeServiceManager(name: name)
        try SystemdNotifier(socketPath: name).ready()
        #expect(manager.receive() == "READY=1\n")
    }

    @Test func parsesTheWatchdogInterval() {
        let mine = SystemdNotifier(environment: ["NOTIFY_SOCKET": "/x", "WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "\(getpid())"])
        #expect(mine.watchdogTimeout == .seconds(30) && mine.watchdogPingInterval == .seconds(15))
        #expect(SystemdNotifier(environment: ["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"], processID: 2).watchdogTimeout == nil)
        #expect(SystemdNotifier(environment: ["WATCHDOG_USEC": "0"]).watchdogTimeout == nil)
        #expect(SystemdNotifier(environment: ["WATCHDOG_USEC": "soon"]).watchdogTimeout == nil)
    }

    @Test func withoutASocketEverythingIsANoOp() throws {
        let notifier = SystemdNotifier(environment: [:])
        #expect(!notifier.isEnabled)
        try notifier.ready()
        try notifier.watchdog()
        #expect(!SystemdNotifier(environment: ["NOTIFY_SOCKET": ""]).isEnabled)
    }

    @Test func aMissingSocketIsAClearError() {
        let notifier = SystemdNotifier(socketPath: "/nonexistent-kac/notify")
        #expect(throws: SystemdNotifierError.self) { try notifier.ready() }
        let tooLong = SystemdNotifier(socketPath: "/" + String(repeating: "x", count: 200))
        #expect { try tooLong.ready() } throws: { "\($0)".contains("File name too long") }
    }
}
