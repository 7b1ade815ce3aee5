// Shared numeric comparison helpers for tests; each tolerance used is a named constant at its call site.
import TensorCore

/// Largest |a − b| / max(|b|, floor) over two equal-length arrays.
public func maxRelativeError(_ a: [Float], _ b: [Float], floor: Float = 1e-3) -> Float {
    precondition(a.count == b.count, "length mismatch: \(a.count) vs \(b.count)")
    var worst: Float = 0
    for i in a.indices { worst = max(worst, abs(a[i] - b[i]) / max(abs(b[i]), floor)) }
    return worst
}

public func maxRelativeError(_ a: [Double], _ b: [Double], floor: Double = 1e-9) -> Double {
    precondition(a.count == b.count, "length mismatch: \(a.count) vs \(b.count)")
    var worst = 0.0
    for i in a.indices { worst = max(worst, abs(a[i] - b[i]) / max(abs(b[i]), floor)) }
    return worst
}
