// Errors of the dataset readers. Each message names the file and tells the operator what to do;
// the underlying cause (zlib code, byte counts, magic numbers) is part of the message.
// Invariant: no reader traps on bad input files; every failure is one of these cases.

import Vocabulary

public enum DatasetError: Error, Equatable, CustomStringConvertible {
    /// The file does not exist; `remedy` says how to get it (package to install, option to pass).
    case missingFile(path: String, remedy: String)
    /// The file exists but could not be read or decompressed; `reason` keeps the error behind it.
    case unreadable(path: String, reason: Reason)
    /// The file was read but its content is not what the format requires.
    case corrupt(path: String, reason: String)
    /// The data holds fewer samples than one training batch needs.
    case tooFewSamples(source: String, count: Int, batchSize: Int)

    public var description: String {
        switch self {
        case .missingFile(let path, let remedy):
            "dataset file \(path) does not exist: \(remedy)"
        case .unreadable(let path, let reason):
            "cannot read dataset file \(path): \(reason); check permissions and disk, or reinstall the data"
        case .corrupt(let path, let reason):
            "dataset file \(path) is corrupt: \(reason); reinstall or re-download it"
        case .tooFewSamples(let source, let count, let batchSize):
            "\(source) has \(count) usable sample(s), fewer than the batch size \(batchSize); "
                + "add images or pass --batch-size \(max(count, 1)) or less"
        }
    }
}
