// What kacd tells its operator: log lines carry sd-daemon priority prefixes exactly when stderr is
// the journal (JOURNAL_STREAM naming stderr's device and inode), every spool event becomes a
// sentence at the level `journalctl -p warning` needs (no Swift value dumps), and end to end an
// invalid job is a warning and a failed render an error.
import Foundation
import Glibc
import Logging
import RenderService
import Spool
import TestSupport
import Testing

@Suite struct DaemonLoggingTests {
    @Test func journalLinesStartWithTheirPriorityAndPlainLinesWithTheTime() {
        let journal = DaemonLogHandler(level: .trace, style: .journal) { _ in }
        let metadata: Logger.Metadata = ["job": "k9", "worker": "w1"]
        let date = Date(timeIntervalSince1970: 0)
        let expected: [(Logger.Level, String)] = [
            (.trace, "<7>"), (.debug, "<7>"), (.info, "<6>"), (.notice, "<5>"), (.warning, "<4>"), (.error, "<3>"), (.critical, "<2>"),
        ]
        for (level, prefix) in expected {
            #expect(
                journal.format(level: level, message: "Job k9 is done.", metadata: metadata, date: date)
                    == "\(prefix)[job=k9 worker=w1] Job k9 is done.\n")
        }
        // Every line of a multi-line message keeps its priority; "-" metadata is left out.
        #expect(journal.format(level: .error, message: "a\nb", metadata: ["job": "-"], date: date) == "<3>a\n<3>b\n")
        let plain = DaemonLogHandler(level: .info, style: .plain) { _ in }
        #expect(
            plain.format(level: .warning, message: "Careful.", metadata: [:], date: date) == "1970-01-01T00:00:00.000Z warning Careful.\n")
    }

    @Test func theHandlerFiltersByLevelAndMergesMetadata() {
        let lines = Lines()
        var logger = Logger(label: "test") { _ in DaemonLogHandler(level: .warning, style: .journal, write: lines.append) }
        logger[metadataKey: "worker"] = "w1"
        logger.info("not shown")
        logger.warning("Shown.", metadata: ["job": "j"])
        #expect(lines.all == ["<4>[job=j worker=w1] Shown.\n"])
    }

    @Test func theJournalIsStderrOnlyWhenDeviceAndInodeMatch() throws {
        let directory = TemporaryDirectory(prefix: "kacd-journal")
        let fd = open(directory.file("stream"), O_CREAT | O_WRONLY, 0o600)
        defer { close(fd) }
        var status = stat()
        #expect(fstat(fd, &status) == 0)
        let value = "\(status.st_dev):\(status.st_ino)"
        #expect(JournalStream.isConnected(environment: ["JOURNAL_STREAM": value], descriptor: fd))
        #expect(!JournalStream.isConnected(environment: ["JOURNAL_STREAM": "\(status.st_dev):\(status.st_ino + 1)"], descriptor: fd))
        #expect(!JournalStream.isConnected(environment: [:], descriptor: fd))
        for garbage in ["", "12", "a:b", "1:2:3", ":"] {
            #expect(!JournalStream.isConnected(environment: ["JOURNAL_STREAM": garbage], descriptor: fd))
        }
    }

    /// Runs `kacd --once` with stderr in a file that JOURNAL_STREAM names, as systemd would.
    @Test func underTheJournalFailuresAreWarningsAndErrors() throws {
        let fixture = try DaemonFixture()
        try drop(#"{"schema": 1, "model": "fashion-mnist/teacher", "count": 1, "steps": 1}"#, id: "good", spool: fixture.spool)
        try drop(#"{"schema": 1, "model": "fashion-mnist/teacher", "count": 0}"#, id: "invalid", spool: fixture.spool)
        try drop(#"{"schema": 1, "model": "fashion-mnist/teachr", "count": 1}"#, id: "missing-model", spool: fixture.spool)
        let log = fixture.root.file("journal.log")
        let script = #"exec 2>"$1"; shift; JOURNAL_STREAM="$(stat -L -c %d:%i /proc/self/fd/2)" exec "$@""#
        let run = try ChildProcess.run(
            "/bin/sh",
            ["-c", script, "sh", log, Binaries.kacd, "--once", "--spool", fixture.spool, "--zoo", fixture.zoo, "--settle-period", "0"])
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(run.status == 0, "\(text)")
        let lines = text.split(separator: "\n").map(String.init)
        #expect(!lines.isEmpty && lines.allSatisfy { $0.wholeMatch(of: /<[0-7]>.*/) != nil }, "every line has a priority:\n\(text)")
        #expect(lines.contains { $0.hasPrefix("<4>[job=invalid") && $0.contains("is invalid (field count)") }, "\(text)")
        // A model the zoo lacks is the job's mistake: a warning, with the near name, naming the model once.
        let missing = lines.first { $0.hasPrefix("<4>[job=missing-model") && $0.contains("is invalid (field model)") }
        #expect(missing?.contains("did you mean fashion-mnist/teacher?") == true, "\(text)")
        #expect(missing.map { $0.ranges(of: "teachr").count } == 1, "\(text)")
        #expect(!lines.contains { $0.hasPrefix("<3>[job=missing-model") }, "\(text)")
        #expect(lines.contains { $0.hasPrefix("<6>[job=good") && $0.contains("is done") }, "\(text)")
        #expect(!text.contains("jobID:") && !text.contains("JobFailure("), "no Swift value dumps:\n\(text)")
    }

    @Test func spoolEventsBecomeSentencesAtTheirLevel() {
        let now = Date()
        func failure(_ code: JobFailure.Code, _ reason: String, field: String? = nil) -> SpoolEvent {
            .finished(jobID: "k9", outcome: .failed(JobFailure(jobID: "k9", code: code, reason: reason, field: field, failedAt: now)))
        }
        let cases: [(SpoolEvent, Logger.Level, String)] = [
            (.finished(jobID: "k9", outcome: .completed), .info, "Job k9 is done"),
            (.finished(jobID: "k9", outcome: .cancelled), .notice, "Job k9 was cancelled by kac cancel before this attempt"),
            (
                .finished(jobID: "k9", outcome: .cancelled, imagesKept: 3), .notice,
                "Job k9 was cancelled by kac cancel; the 3 image(s) it had written stay in out/k9/."
            ),
            (.finished(jobID: "k9", outcome: .cancelled, imagesKept: 0), .notice, "Job k9 was cancelled by kac cancel before it wrote any image."),
            (.finished(jobID: "k9", outcome: .requeued(reason: "worker w1 shut down")), .notice, "Job k9 was requeued"),
            (failure(.invalidJob, "count: 0 is outside 1…256", field: "count"), .warning, "Job k9 is invalid (field count)"),
            (failure(.renderError, "model no-such-model: not found"), .error, "Job k9 failed while rendering: Model no-such-model"),
            (failure(.outputUnavailable, "cannot use out/k9/"), .error, "Job k9 failed because its output directory is unusable"),
            (
                .rejected(
                    name: "bad name.json", failure: JobFailure(jobID: "rejected-1", code: .badFileName, reason: "rename it", failedAt: now)),
                .warning, "Moved new/bad name.json to failed/rejected-1.json"
            ),
            (
                .recovered(.requeued(jobID: "k9", attempts: 1, reason: "worker w1 (pid 7) on this host is no longer running")), .warning,
                "Recovered abandoned job k9 and requeued it (1 of 3 attempts used): Worker w1"
            ),
            (.recovered(.gaveUp(jobID: "k9", attempts: 3, reason: "worker w1 stopped")), .error, "Job k9 failed after 3 attempts"),
        ]
        for (event, level, start) in cases {
            let entry = DaemonEvents.entry(for: event, maximumAttempts: 3)
            #expect(entry.level == level, "\(event)")
            #expect(entry.message.hasPrefix(start) && entry.message.hasSuffix("."), "\(entry.message)")
            #expect(!entry.message.contains("jobID:") && !entry.message.contains("(" + "jobID"), "\(entry.message)")
        }
    }
}

/// Collects written log entries across threads.
final class Lines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
}

/// A job's text quoted in a log message cannot forge a line, drive the terminal or hide in a NUL.
@Suite struct DaemonLogEscapingTests {
    @Test func controlCharactersInMessagesAndMetadataAreEscaped() {
        let handler = DaemonLogHandler(level: .info, style: .journal) { _ in }
        let line = handler.format(
            level: .error, message: "unknown field \"x\u{1B}]0;title\u{07}\r<3>fake\u{0}\"",
            metadata: ["job": "evil\u{1B}[2J"], date: Date())
        #expect(line == "<3>[job=evil\\u{1B}[2J] unknown field \"x\\u{1B}]0;title\\u{7}\\u{D}<3>fake\\u{0}\"\n", "\(line.debugDescription)")
    }
}
