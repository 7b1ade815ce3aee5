// Is standard error connected to the systemd journal? systemd sets `JOURNAL_STREAM=<dev>:<inode>`
// for a service whose stdout/stderr go to journald; the variable is inherited by children and
// survives redirections, so it counts only when the device and inode match stderr's own
// (systemd.exec(5), "JOURNAL_STREAM"). Read by `main` from the real environment, like the notifier.
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

public enum JournalStream {
    /// True when `environment["JOURNAL_STREAM"]` names the file open as `descriptor`.
    public static func isConnected(environment: [String: String], descriptor: Int32 = STDERR_FILENO) -> Bool {
        guard let value = environment["JOURNAL_STREAM"] else { return false }
        let parts = value.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return false }
        return UInt64(status.st_dev) == device && UInt64(status.st_ino) == inode
    }
}
