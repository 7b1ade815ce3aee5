// The Kac path of KAC.md §4: every coordinate of a data point x₀ ∈ [−1, 1]^d gets its own 1D Kac
// process, x_t = f(t)·x₀ + K(g(t)), and the training target is the conditional velocity
// u(t, x | x₀) = f′(t)·x₀ + g′(t)·v(g(t), x − f(t)·x₀). Per-coordinate functions live here; the
// batched trainer API is in KacPath+Batch.swift.
// Invariant: the prior image i of a request is drawn only from RandomSource(seed, stream: i).
import Foundation
import TensorCore
import Vocabulary

public struct KacPath: Sendable, Equatable {
    /// Everything that defines the path (a, c, T, schedule), as manifests store it.
    public typealias Configuration = KacParameters

    public let configuration: Configuration
    public let process: KacProcess

    public init(configuration: Configuration = Configuration()) {
        precondition(configuration.horizon > 0, "KacPath horizon must be positive, got \(configuration.horizon)")
        self.configuration = configuration
        self.process = KacProcess(dampingRate: configuration.dampingRate, speed: configuration.speed)
    }

    public var horizon: Double { configuration.horizon }
    public var schedule: SignalSchedule { configuration.schedule }

    /// One coordinate of the forward path and its target: x_t = f(t)·x₀ + K(g(t)) and
    /// u = f′(t)·x₀ + g′(t)·v(g(t), K), with v taken from the draw's atom flag.
    @inline(__always)
    public func noise(data x0: Double, time t: Double, random: inout RandomSource) -> (noised: Double, target: Double) {
        let schedule = configuration.schedule
        let kacTime = schedule.kacTime(time: t)
        let draw = process.sample(time: kacTime, random: &random)
        let signal = schedule.signal(time: t, horizon: horizon)
        let noised = signal * x0 + draw.displacement
        let target =
            schedule.signalRate(time: t, horizon: horizon) * x0
            + schedule.kacTimeRate(time: t) * process.velocity(time: kacTime, of: draw)
        return (noised, target)
    }

    /// u(t, x | x₀) at an arbitrary position (no atom flag: the light-cone guard of
    /// `KacProcess.velocity(time:position:)` decides). This is the exact marginal velocity when
    /// the data distribution is the single point x₀, so integrating it from T to 0 lands on x₀.
    public func conditionalVelocity(time t: Double, position x: Double, data x0: Double) -> Double {
        let schedule = configuration.schedule
        let kacTime = schedule.kacTime(time: t)
        let offset = x - schedule.signal(time: t, horizon: horizon) * x0
        return schedule.signalRate(time: t, horizon: horizon) * x0
            + schedule.kacTimeRate(time: t) * process.velocity(time: kacTime, position: offset)
    }

    /// Prior samples x_T = K(g(T)), i.i.d. per coordinate. `shape` is [N, ...]; image n of the
    /// result is request image `index + n` and draws only from
    /// RandomSource(seed: seed, stream: index + n), so it is identical alone or in any batch.
    /// XXX: for the exponential schedule the true x_T also holds e^{−T}·x₀; the prior ignores it.
    public func prior(
        shape: [Int], seed: UInt64, index: Int = 0,
        threadCount: Int = ThreadBudget.current.threads
    ) -> Tensor {
        precondition(shape.count >= 1 && index >= 0, "prior needs shape [N, ...] and index ≥ 0, got \(shape), \(index)")
        let count = shape[0]
        let perSample = shape.dropFirst().reduce(1, *)
        let kacTime = schedule.kacTime(time: horizon)
        var scalars = [Float](repeating: 0, count: count * perSample)
        scalars.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            Parallel.forEachSample(count: count, threadCount: threadCount) { n in
                var random = RandomSource(seed: seed, stream: UInt64(index + n))
                let row = base + n * perSample
                for j in 0..<perSample {
                    row[j] = Float(process.sample(time: kacTime, random: &random).displacement)
                }
            }
        }
        return Tensor(shape: shape, scalars: scalars)
    }
}
