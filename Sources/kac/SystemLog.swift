// One line to the system log (syslog(3): the journal on a systemd machine, `journalctl -t kac`)
// for what `kac` does to the shared spool that no kacd sees: cancelling a queued job. Where no
// syslog socket exists (a container) the line is dropped silently, as syslog(3) does.
#if canImport(Glibc)
import Glibc
#endif

enum SystemLog {
    static func notice(_ message: String) {
        openlog("kac", LOG_PID, LOG_USER)
        // syslog(3) is variadic; vsyslog takes the arguments as a va_list.
        withVaList([message]) { vsyslog(LOG_NOTICE, "%s", $0) }
        closelog()
    }
}
