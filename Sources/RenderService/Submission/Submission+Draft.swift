// Where `kac submit`'s job comes from before it is checked: the bytes of a job FILE, or the command's
// options as job keys (schema 1). A FILE that fails validation is bad data (65); options that fail
// are a mistake on the command line (64), since their names are the job keys. The file is read
// before the spool is opened, so a missing FILE is reported first.
import Foundation
import Spool
import Vocabulary

extension Submission {
    /// A job not yet validated against the spool's limits.
    public struct Draft {
        public let bytes: [UInt8]
        /// Built from the command's options, not read from a file.
        public let fromOptions: Bool

        /// A job FILE's bytes; refused with 66 when it does not exist and 77 when it cannot be read.
        public init(file: String) throws(SubmissionRefusal) {
            guard FileManager.default.fileExists(atPath: file) else {
                throw SubmissionRefusal(exitStatus: .noInput, description: "job file \(file) does not exist; check the path")
            }
            guard let data = FileManager.default.contents(atPath: file) else {
                throw SubmissionRefusal(exitStatus: .noPermission, description: "cannot read \(file); check its permissions")
            }
            (bytes, fromOptions) = (Array(data), false)
        }

        /// Job keys and their values (JSON types), as a schema-1 job document.
        public init(options: [String: Any]) throws {
            let document = options.merging(["schema": 1]) { $1 }
            (bytes, fromOptions) = (Array(try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys])), true)
        }

        /// The job under `validator` (the spool's): a draft from options that fails is a usage
        /// error (`SubmissionRefusal`, 64); a job file's `JobValidationError` is passed on (65).
        public func validate(_ validator: JobValidator) throws -> RenderJob {
            do {
                return try validator.validate(bytes)
            } catch {
                guard fromOptions else { throw error }
                throw SubmissionRefusal(exitStatus: .usage, description: Reason(cause: error).description)
            }
        }
    }
}
