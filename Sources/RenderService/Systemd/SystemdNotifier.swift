// The sd_notify protocol, spoken directly (no libsystemd): one datagram of newline-separated
// `KEY=value` lines sent to the AF_UNIX socket named by `$NOTIFY_SOCKET` (a path, or an abstract
// name written with a leading `@`). Without a socket every call is a no-op, so the daemon runs
// the same outside systemd. The environment is read only by `init(environment:)`, which `main` calls.
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// One state change reported to the service manager.
public enum SystemdNotification: Sendable, Equatable {
    case ready
    case reloading
    case stopping
    case watchdog
    /// Free-form status line shown by `systemctl status`.
    case status(String)
    /// Ask for more time to start or stop.
    case extendTimeout(microseconds: UInt64)

    var line: String {
        switch self {
        case .ready: return "READY=1"
        case .reloading: return "RELOADING=1"
        case .stopping: return "STOPPING=1"
        case .watchdog: return "WATCHDOG=1"
        // A newline would start a new assignment; systemd reads one line per variable.
        case .status(let text): return "STATUS=" + text.replacingNewlines()
        case .extendTimeout(let microseconds): return "EXTEND_TIMEOUT_USEC=\(microseconds)"
        }
    }
}

public struct SystemdNotifierError: Error, Sendable, CustomStringConvertible {
    public let socket: String
    public let operation: String
    public let errno: Int32
    public var description: String {
        "sd_notify \(operation) on \(socket) failed: \(String(cString: strerror(errno))) (errno \(errno)); "
            + "check NotifyAccess= in the unit and that the process may reach the socket"
    }
}

/// Sends sd_notify messages; a value without a socket does nothing.
public struct SystemdNotifier: Sendable {
    /// `$NOTIFY_SOCKET` as given (`/run/systemd/notify` or `@abstract-name`); nil outside systemd.
    public let socketPath: String?
    /// How often systemd expects `WATCHDOG=1` at the latest (`$WATCHDOG_USEC`); nil: no watchdog.
    public let watchdogTimeout: Duration?

    public init(socketPath: String?, watchdogTimeout: Duration? = nil) {
        self.socketPath = socketPath.flatMap { $0.isEmpty ? nil : $0 }
        self.watchdogTimeout = watchdogTimeout
    }

    /// Reads `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID` (the watchdog applies only when
    /// `WATCHDOG_PID` is absent or equals `processID`). Call from `main` with the real environment.
    public init(environment: [String: String], processID: Int32 = getpid()) {
        var timeout: Duration?
        if let text = environment["WATCHDOG_USEC"], let microseconds = UInt64(text), microseconds > 0,
            environment["WATCHDOG_PID"].map({ Int32($0) == processID }) ?? true
        {
            timeout = .microseconds(microseconds)
        }
        self.init(socketPath: environment["NOTIFY_SOCKET"], watchdogTimeout: timeout)
    }

    public var isEnabled: Bool { socketPath != nil }

    /// Half the watchdog timeout, as sd_watchdog_enabled(3) recommends; nil without a watchdog.
    public var watchdogPingInterval: Duration? { watchdogTimeout.map { $0 / 2 } }

    /// Sends all `notifications` in one datagram.
    public func notify(_ notifications: [SystemdNotification]) throws {
        guard let socketPath, !notifications.isEmpty else { return }
        let message = notifications.map(\.line).joined(separator: "\n") + "\n"
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var name = Array(socketPath.utf8)
        if name.first == UInt8(ascii: "@") { name[0] = 0 }  // abstract namespace: leading NUL, no terminator
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard name.count < capacity || (name.first == 0 && name.count <= capacity) else {
            throw SystemdNotifierError(socket: socketPath, operation: "address", errno: ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in name.enumerated() { raw[index] = byte }
        }
        let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path) ?? 2
        let length = socklen_t(pathOffset + name.count + (name.first == 0 ? 0 : 1))
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemdNotifierError(socket: socketPath, operation: "socket", errno: errno) }
        defer { close(fd) }
        let sent = message.utf8CString.withUnsafeBufferPointer { text in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, text.baseAddress, text.count - 1, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT), $0, length)
                }
            }
        }
        // Never block the work loop on a listener that is not reading (its queue holds ~10
        // datagrams): a full queue drops this notification; the next one carries fresh state.
        if sent < 0, errno == EAGAIN || errno == EWOULDBLOCK { return }
        guard sent >= 0 else { throw SystemdNotifierError(socket: socketPath, operation: "sendto", errno: errno) }
    }

    public func ready(status: String? = nil) throws { try notify([.ready] + (status.map { [.status($0)] } ?? [])) }
    public func status(_ text: String) throws { try notify([.status(text)]) }
    public func watchdog() throws { try notify([.watchdog]) }
    public func stopping(status: String? = nil) throws { try notify([.stopping] + (status.map { [.status($0)] } ?? [])) }
}

private extension String {
    func replacingNewlines() -> String { String(map { $0 == "\n" || $0 == "\r" ? " " : $0 }) }
}
