// Axis ranges and ticks for EvaluationPlot: a log axis padded to whole 1-2-5 steps around the data,
// and a y axis that is linear from zero or logarithmic when the data span more than 20×.
// Invariant: `fraction` maps the axis range onto 0...1 monotonically (0 = low end).
import Foundation

struct LogAxis {
    let low: Double, high: Double
    let ticks: [Double]

    /// Covers `values` (all > 0) from the 1-2-5 value at or below the smallest to the one at or above the largest.
    init(values: [Double]) {
        let positive = values.filter { $0 > 0 && $0.isFinite }
        let minimum = positive.min() ?? 1, maximum = max(positive.max() ?? 10, minimum * 2)
        let candidates = (-3...7).flatMap { exponent in [1.0, 2, 5].map { $0 * pow(10, Double(exponent)) } }
        let low = candidates.last { $0 <= minimum } ?? minimum
        let high = candidates.first { $0 >= maximum } ?? maximum
        let spanDecades = log10(high / low)
        // Dense 1-2-5 ticks for short axes, decades only for long ones.
        ticks = candidates.filter { $0 >= low && $0 <= high && (spanDecades <= 3 || log10($0) == log10($0).rounded()) }
        (self.low, self.high) = (low, high)
    }

    func fraction(_ value: Double) -> Double { log(value / low) / log(high / low) }
}

struct Axis {
    let low: Double, high: Double
    let isLogarithmic: Bool
    let ticks: [Double]

    static func linear(_ low: Double, _ high: Double) -> Axis {
        let step = niceStep((high - low) / 5)
        let top = (high / step).rounded(.up) * step
        let ticks = stride(from: low, through: top + step / 2, by: step).map { $0 }
        return Axis(low: low, high: top, isLogarithmic: false, ticks: ticks)
    }

    /// Linear from 0 unless the positive values span more than 20×, then logarithmic (1-2-5 ticks).
    static func fitting(_ values: [Double]) -> Axis {
        let finite = values.filter(\.isFinite)
        let maximum = finite.max() ?? 1, minimum = finite.min() ?? 0
        guard minimum > 0, maximum / minimum > 20 else { return linear(0, max(maximum * 1.05, 1e-9)) }
        let log = LogAxis(values: finite)
        return Axis(low: log.low, high: log.high, isLogarithmic: true, ticks: log.ticks)
    }

    func fraction(_ value: Double) -> Double {
        if isLogarithmic { return log(max(value, low) / low) / log(high / low) }
        return (value - low) / max(high - low, 1e-12)
    }

    /// 1, 2 or 5 × a power of ten, at least `raw`.
    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let power = pow(10, floor(log10(raw)))
        return [1.0, 2, 5, 10].map { $0 * power }.first { $0 >= raw } ?? 10 * power
    }
}
