import DiskIO
import Foundation

// Wakes a worker when a job may be claimable: inotify on `new/` (IN_MOVED_TO | IN_CLOSE_WRITE, plus
// IN_CREATE because link(2) — used by `submit` and requeue — reports nothing else) for immediate pickup, and a poll interval as the floor, because inotify sees nothing that
// another NFS client does. A wake is only a hint: the caller always rescans with `claimNext`.
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

public final class SpoolWatcher: @unchecked Sendable {
    /// Why `wait` returned.
    public enum Wake: Sendable, Equatable {
        /// inotify reported these names in `new/` (empty after a queue overflow).
        case changed([String])
        /// The poll interval passed without an event.
        case poll
        /// `stop()` was called.
        case stopped
    }

    public let pollInterval: TimeInterval
    private let inotifyDescriptor: Int32
    private let stopPipe: (read: Int32, write: Int32)

    /// Watches `spool`'s `new/`. With `useInotify` false (or when inotify is unavailable) it polls only.
    public init(spool: Spool, pollInterval: TimeInterval, useInotify: Bool = true) throws {
        self.pollInterval = pollInterval
        var descriptor: Int32 = -1
        if useInotify {
            descriptor = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
            if descriptor >= 0,
                inotify_add_watch(descriptor, spool.directoryPath(.new), UInt32(IN_MOVED_TO | IN_CLOSE_WRITE | IN_CREATE)) < 0
            {
                close(descriptor)
                descriptor = -1
            }
        }
        inotifyDescriptor = descriptor
        var fds: [Int32] = [0, 0]
        // pipe2 is not exported by Glibc's module map; set the flags by hand.
        guard pipe(&fds) == 0 else {
            let error = errno
            if descriptor >= 0 { close(descriptor) }
            throw SpoolError.io(
                DiskIOError(
                    errno: error, systemCall: "pipe", path: spool.root,
                    message: "cannot create the wake-up pipe for the watcher of \(spool.root)"))
        }
        for fd in fds {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
        stopPipe = (fds[0], fds[1])
    }

    deinit {
        if inotifyDescriptor >= 0 { close(inotifyDescriptor) }
        close(stopPipe.read)
        close(stopPipe.write)
    }

    /// True when inotify is active (false: polling only).
    public var usesInotify: Bool { inotifyDescriptor >= 0 }

    /// Blocks until an inotify event, the poll interval, or `stop()`.
    public func wait() -> Wake {
        var fds = [
            pollfd(fd: stopPipe.read, events: Int16(POLLIN), revents: 0),
            pollfd(fd: inotifyDescriptor, events: Int16(POLLIN), revents: 0),
        ]
        let milliseconds = Int32(max(0, min(pollInterval * 1000, Double(Int32.max))))
        while true {
            let ready = poll(&fds, nfds_t(usesInotify ? 2 : 1), milliseconds)
            if ready < 0, errno == EINTR { continue }
            if ready <= 0 { return .poll }
            if fds[0].revents != 0 { return .stopped }
            let names = drainEvents()
            // A wake with no names is still a wake (overflow); an empty read is a spurious poll.
            return names.map(Wake.changed) ?? .poll
        }
    }

    /// Makes the current and every later `wait` return `.stopped`.
    public func stop() {
        var byte: UInt8 = 1
        _ = write(stopPipe.write, &byte, 1)
    }

    /// Wakes as an async sequence, produced on a dedicated thread (never blocking the
    /// cooperative pool). Ends after `stop()`.
    public func wakes() -> AsyncStream<Wake> {
        AsyncStream { continuation in
            let thread = Thread { [self] in
                while true {
                    let wake = wait()
                    if wake == .stopped { break }
                    continuation.yield(wake)
                }
                continuation.finish()
            }
            continuation.onTermination = { [self] _ in stop() }
            thread.start()
        }
    }

    /// Reads all queued inotify events; nil if there were none.
    private func drainEvents() -> [String]? {
        var names: [String] = []
        var sawEvent = false
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return -1 }
                return read(inotifyDescriptor, base, raw.count)
            }
            if count <= 0 { break }
            sawEvent = true
            var offset = 0
            let headerSize = MemoryLayout<inotify_event>.size
            while offset + headerSize <= count {
                let (mask, length) = buffer.withUnsafeBytes { raw in
                    (
                        raw.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self),
                        Int(raw.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self))
                    )
                }
                let nameBytes = buffer[(offset + headerSize)..<min(offset + headerSize + length, count)].prefix { $0 != 0 }
                if mask & UInt32(IN_Q_OVERFLOW) == 0, !nameBytes.isEmpty { names.append(String(decoding: nameBytes, as: UTF8.self)) }
                offset += headerSize + length
            }
        }
        return sawEvent ? names : nil
    }
}
