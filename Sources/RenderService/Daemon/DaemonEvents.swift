// What the daemon tells its operator about each spool event, at which level: failures of a job's
// own making (invalid file, bad name) are warnings, failures the operator must look into (render
// errors, jobs that kept killing workers, unusable output) are errors, so `journalctl -p warning`
// lists every job that did not complete. Each message is a sentence naming the job, what happened
// and what to do; the spool's reasons are fragments and are embedded, never dumped as Swift values.
import Logging
import Spool

public enum DaemonEvents {
    /// The level and sentence for `event`; `maximumAttempts` is the spool's `--max-attempts`.
    public static func entry(for event: SpoolEvent, maximumAttempts: Int) -> (level: Logger.Level, message: String) {
        switch event {
        case let .rejected(name, failure):
            return (
                .warning,
                "Moved new/\(name) to failed/\(failure.jobID).json without opening it: \(sentence(failure.reason))"
            )
        case let .finished(id, outcome, imagesKept):
            return entry(jobID: id, outcome: outcome, imagesKept: imagesKept)
        case let .recovered(.requeued(id, attempts, reason)):
            return (
                .warning,
                "Recovered abandoned job \(id) and requeued it (\(attempts) of \(maximumAttempts) attempts used): \(sentence(reason))"
            )
        case let .recovered(.gaveUp(id, attempts, reason)):
            return (
                .error,
                "Job \(id) failed after \(attempts) attempts (the maximum is \(maximumAttempts)) because its workers stopped "
                    + "before finishing; the last: \(reason). Look for a kacd crash or watchdog kill in the journal, "
                    + "then resubmit failed/\(id).json."
            )
        }
    }

    static func entry(jobID id: String, outcome: JobOutcome, imagesKept: Int?) -> (level: Logger.Level, message: String) {
        switch outcome {
        case .completed:
            return (.info, "Job \(id) is done; its images and result.json are in out/\(id)/.")
        case .cancelled:
            guard let imagesKept else {
                return (
                    .notice,
                    "Job \(id) was cancelled by kac cancel before this attempt rendered anything; images of earlier attempts, "
                        + "if any, stay in out/\(id)/."
                )
            }
            guard imagesKept > 0 else { return (.notice, "Job \(id) was cancelled by kac cancel before it wrote any image.") }
            return (.notice, "Job \(id) was cancelled by kac cancel; the \(imagesKept) image(s) it had written stay in out/\(id)/.")
        case .requeued(let reason):
            return (.notice, "Job \(id) was requeued to new/ unfinished (\(reason)); the next worker resumes it.")
        case .failed(let failure):
            switch failure.code {
            case .invalidJob:
                let field = failure.field.map { " (field \($0))" } ?? ""
                return (
                    .warning,
                    "Job \(id) is invalid\(field) and was moved to failed/: \(sentence(failure.reason)) "
                        + "Fix the job file and submit it again."
                )
            case .badFileName, .notARegularFile, .duplicateID:
                return (.warning, "Job \(id) was moved to failed/: \(sentence(failure.reason))")
            case .cancelled:
                return (.notice, "Job \(id) was cancelled by kac cancel and moved to failed/.")
            case .renderError:
                return (
                    .error,
                    "Job \(id) failed while rendering: \(sentence(failure.reason)) "
                        + "The reason is also in failed/\(id).error.json; resubmit the job once it is fixed."
                )
            case .outputUnavailable:
                return (
                    .error,
                    "Job \(id) failed because its output directory is unusable: \(sentence(failure.reason)) "
                        + "Check that kacd may write to the spool's out/."
                )
            case .tooManyAttempts:
                return (.error, "Job \(id) failed: \(sentence(failure.reason))")
            case .limitExceeded:
                return (.warning, "Job \(id) was stopped and moved to failed/: \(sentence(failure.reason))")
            }
        }
    }

    /// `text` with a capital first letter and a final full stop, unless it already ends a sentence.
    static func sentence(_ text: String) -> String {
        var result = text.trimmingWhitespace()
        guard let first = result.first else { return "no reason was given." }
        result = first.uppercased() + result.dropFirst()
        if let last = result.last, !".!?".contains(last) { result += "." }
        return result
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
