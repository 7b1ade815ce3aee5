// Why a benchmark could not run: a setting it cannot use, or a model or directory it needs that is
// missing. Each case says what to change; the cause, where there is one, is kept as a value.
import Vocabulary

public enum BenchError: Error, CustomStringConvertible {
    /// A setting outside what the benchmark can measure (the sentence names the setting).
    case invalidSetting(String)
    /// The scratch directory for rendered files could not be made or used.
    case scratchUnavailable(path: String, cause: any Error)

    public var description: String {
        switch self {
        case .invalidSetting(let sentence): sentence
        case .scratchUnavailable(let path, let cause): Reason("cannot use \(path) as the benchmark's scratch directory", cause: cause).description
        }
    }
}
