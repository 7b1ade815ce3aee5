// The math of the signal schedules (Vocabulary names them) of the Kac path x_t = f(t)·x₀ + K(g(t))
// (KAC.md §4): how much of the data is left at time t. g(t) = t throughout (the Kac clock runs
// with the path's time).
// Invariant: f(0) = 1 for every schedule; f(T) = 0 for linear and cosine, so the prior at T is
// data-free; exponential keeps e^{−T} of the data at T (documented, not data-free).
import Foundation
import Vocabulary

extension SignalSchedule {
    /// f(t).
    public func signal(time t: Double, horizon: Double) -> Double {
        switch self {
        case .linear: 1 - t / horizon
        case .cosine: cos(Double.pi * t / (2 * horizon))
        case .exponential: exp(-t)
        }
    }

    /// f′(t).
    public func signalRate(time t: Double, horizon: Double) -> Double {
        switch self {
        case .linear: -1 / horizon
        case .cosine: -Double.pi / (2 * horizon) * sin(Double.pi * t / (2 * horizon))
        case .exponential: -exp(-t)
        }
    }

    /// max |f′(t)| over [0, T]: |f′| is monotone in t for every schedule (constant, rising, falling),
    /// so the larger of its two ends.
    public func maximumSignalRate(horizon: Double) -> Double {
        max(abs(signalRate(time: 0, horizon: horizon)), abs(signalRate(time: horizon, horizon: horizon)))
    }

    /// g(t): the Kac clock. Kept as a function so a future schedule can change it in one place.
    @inline(__always)
    public func kacTime(time t: Double) -> Double { t }

    /// g′(t).
    @inline(__always)
    public func kacTimeRate(time t: Double) -> Double { 1 }
}
