// Per-test temporary directories, removed when the value is released.
import Foundation

public final class TemporaryDirectory: @unchecked Sendable {
    public let path: String

    public init(prefix: String = "kac-test") {
        let template = NSTemporaryDirectory() + "/\(prefix)-XXXXXX"
        var bytes = Array(template.utf8CString)
        let made = bytes.withUnsafeMutableBufferPointer { buffer -> String? in
            guard let base = buffer.baseAddress, mkdtemp(base) != nil else { return nil }
            return String(cString: base)
        }
        guard let made else { fatalError("mkdtemp failed for \(template)") }
        path = made
    }

    /// `path` joined with `component`.
    public func file(_ component: String) -> String { path + "/" + component }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
