// kacd's log lines on standard error. Under systemd, when stderr is the journal (see
// `JournalStream`), each line starts with its sd-daemon(3) priority prefix (`<3>` error, `<4>`
// warning, `<6>` info, `<7>` debug), so `journalctl -p warning -u kacd` shows every failure and
// journald adds the time itself; elsewhere each line starts with an ISO 8601 time and the level.
// Either way a line is `[job=ID worker=W] Sentence.`; metadata whose value is "-" is left out.
import Foundation
import Logging
import Vocabulary

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

public struct DaemonLogHandler: LogHandler {
    public enum Style: Sendable { case journal, plain }

    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public let style: Style
    private let write: @Sendable (String) -> Void

    /// A handler writing to standard error in `style`.
    public init(level: Logger.Level, style: Style) {
        self.init(level: level, style: style, write: writeStandardError)
    }

    /// A handler passing each formatted entry (lines ending in "\n") to `write` — for tests.
    public init(level: Logger.Level, style: Style, write: @escaping @Sendable (String) -> Void) {
        self.logLevel = level
        self.style = style
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Longest line written; the journal's own limit is 48 KiB.
    static let maximumLineCharacters = 16_384

    /// The sd-daemon(3) / syslog priority of `level`.
    public static func priority(of level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    public func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        write(format(level: event.level, message: "\(event.message)", metadata: merged, date: Date()))
    }

    /// The text written for one entry: one prefixed line per line of `message`.
    public func format(level: Logger.Level, message: String, metadata: Logger.Metadata, date: Date) -> String {
        let tags = metadata.filter { "\($0.value)" != "-" }.sorted { $0.key < $1.key }.map { "\($0.key)=\(Escaped.text("\($0.value)"))" }
        let context = tags.isEmpty ? "" : "[" + tags.joined(separator: " ") + "] "
        let prefix: String
        switch style {
        case .journal: prefix = "<\(Self.priority(of: level))>"
        case .plain: prefix = Self.timestamp(date) + " " + level.rawValue + " "
        }
        // Control characters within a line (a job's text quoted in a message: escape sequences,
        // carriage returns, NUL) are escaped, so no entry can drive a terminal or forge a line.
        return message.split(separator: "\n", omittingEmptySubsequences: false)
            .map { prefix + context + Escaped.text($0, limit: Self.maximumLineCharacters) + "\n" }
            .joined()
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}

/// One write(2) per entry (retried on a short write), so lines of concurrent services never interleave.
private func writeStandardError(_ text: String) {
    text.utf8CString.withUnsafeBufferPointer { buffer in
        guard let base = buffer.baseAddress else { return }
        let count = buffer.count - 1  // without the terminating NUL
        var offset = 0
        while offset < count {
            let written = write(STDERR_FILENO, base + offset, count - offset)
            if written < 0, errno == EINTR { continue }
            guard written > 0 else { return }
            offset += written
        }
    }
}
