// Progress for long work (training, distillation, evaluation, rendering): a redrawn bar on a
// terminal, plain timestamped lines otherwise (logs, systemd journal). The caller decides which by
// passing `interactive`; the library never inspects the environment itself.
import Foundation

public final class ProgressReporter: @unchecked Sendable {
    public let title: String
    public let total: Int
    private let interactive: Bool
    private let minimumLineInterval: Double
    private let write: @Sendable (String) -> Void
    private let clock: @Sendable () -> Double
    private let started: Double
    private var lastLine: Double = -Double.infinity
    private var startCompleted = 0

    /// - Parameters:
    ///   - interactive: redraw one bar line in place (a terminal) instead of appending log lines.
    ///   - minimumLineInterval: seconds between plain log lines, so logs stay readable.
    public init(
        title: String, total: Int, interactive: Bool, minimumLineInterval: Double = 10,
        startCompleted: Int = 0,
        write: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) },
        clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }
    ) {
        self.title = title
        self.total = max(total, 1)
        self.interactive = interactive
        self.minimumLineInterval = minimumLineInterval
        self.write = write
        self.clock = clock
        self.started = clock()
        self.startCompleted = startCompleted
    }

    /// True when standard error is a terminal: what executables pass as `interactive`.
    public static var standardErrorIsTerminal: Bool { isatty(2) == 1 }

    /// Reports `completed` of `total` units with extra fields (e.g. "loss 0.123", "142 img/s").
    public func update(completed: Int, fields: [String] = [], force: Bool = false) {
        let now = clock()
        let done = completed >= total
        guard force || done || interactive || now - lastLine >= minimumLineInterval else { return }
        if interactive && !force && !done && now - lastLine < 0.1 { return }
        lastLine = now
        let elapsed = now - started
        let rate = Double(completed - startCompleted) / max(elapsed, 1e-9)
        let remaining = rate > 0 ? Double(total - completed) / rate : .infinity
        let fraction = Double(completed) / Double(total)
        let extras = fields.isEmpty ? "" : "  " + fields.joined(separator: "  ")
        if interactive {
            let width = 30
            let filled = Int((fraction * Double(width)).rounded(.down))
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            let line = "\r\(title) \(bar) \(completed)/\(total) \(Self.percent(fraction))  ETA \(Self.duration(remaining))\(extras)\u{1B}[K"
            write(done ? line + "\n" : line)
        } else {
            let stamp = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: now))
            write("\(stamp) \(title) \(completed)/\(total) \(Self.percent(fraction)) eta=\(Self.duration(remaining))\(extras)\n")
        }
    }

    /// A final line whatever the mode.
    public func finish(_ message: String) {
        if interactive { write("\r\u{1B}[K") }
        write("\(title): \(message)\n")
    }

    static func percent(_ fraction: Double) -> String { String(format: "%5.1f%%", fraction * 100) }

    /// "1h02m", "3m20s", "42s", "?" for unknown.
    public static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "?" }
        let s = Int(seconds.rounded())
        if s >= 3600 { return String(format: "%dh%02dm", s / 3600, (s % 3600) / 60) }
        if s >= 60 { return String(format: "%dm%02ds", s / 60, s % 60) }
        return "\(s)s"
    }
}
