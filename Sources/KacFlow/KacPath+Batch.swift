// The batched forward path a trainer calls every step: data [N, ...] and per-sample times [N] in,
// noised points and conditional targets of the same shape out (KAC.md §4), ~100k coordinates per
// call. Sample n draws only from the n-th generator split off the caller's RandomSource, in order,
// so the output is independent of the thread count. No per-coordinate allocation.
import TensorCore

/// Training pairs for one batch; both tensors have the data's shape [N, ...].
public struct NoisedBatch: Sendable, Equatable {
    /// x_t = f(t)·x₀ + K(g(t)), [N, ...].
    public var noised: Tensor
    /// u(t, x_t | x₀) = f′(t)·x₀ + g′(t)·v(g(t), K), [N, ...].
    public var target: Tensor
}

extension KacPath {
    /// Forward-noises every sample of `data` ([N, ...], any trailing shape, flattened per sample)
    /// at its own time `times[n]` ∈ [0, T] and returns the noised batch with its training target.
    /// Advances `random` by N splits, whatever the batch content.
    public func noise(
        _ data: Tensor, times: [Float], random: inout RandomSource,
        threadCount: Int = ThreadBudget.current.threads
    ) -> NoisedBatch {
        let (count, perSample) = Self.checkBatch(data, times: times)
        let streams = (0..<count).map { _ in random.split() }
        var noised = [Float](repeating: 0, count: data.count)
        var target = [Float](repeating: 0, count: data.count)
        let schedule = configuration.schedule
        let horizon = configuration.horizon
        let process = self.process
        data.scalars.withUnsafeBufferPointer { dataBuffer in
            noised.withUnsafeMutableBufferPointer { noisedBuffer in
                target.withUnsafeMutableBufferPointer { targetBuffer in
                    guard let source = dataBuffer.baseAddress, let noisedBase = noisedBuffer.baseAddress,
                        let targetBase = targetBuffer.baseAddress
                    else { return }
                    Parallel.forEachSample(count: count, threadCount: threadCount) { n in
                        var random = streams[n]
                        let t = Double(times[n])
                        let kacTime = schedule.kacTime(time: t)
                        let signal = schedule.signal(time: t, horizon: horizon)
                        let signalRate = schedule.signalRate(time: t, horizon: horizon)
                        let kacRate = schedule.kacTimeRate(time: t)
                        let offset = n * perSample
                        for j in offset..<(offset + perSample) {
                            let x0 = Double(source[j])
                            let draw = process.sample(time: kacTime, random: &random)
                            noisedBase[j] = Float(signal * x0 + draw.displacement)
                            targetBase[j] = Float(signalRate * x0 + kacRate * process.velocity(time: kacTime, of: draw))
                        }
                    }
                }
            }
        }
        return NoisedBatch(
            noised: Tensor(shape: data.shape, scalars: noised),
            target: Tensor(shape: data.shape, scalars: target))
    }

    /// Training times t ~ Uniform[0, T], one per sample (KAC.md §4: no weighting).
    public func sampleTimes(count: Int, random: inout RandomSource) -> [Float] {
        (0..<count).map { _ in Float(random.uniform() * horizon) }
    }

    /// Plain-loop reference for `noise(_:times:random:)`: one thread, one coordinate at a time
    /// through `noise(data:time:random:)`. Same streams, so it must agree bit for bit.
    public func referenceNoise(_ data: Tensor, times: [Float], random: inout RandomSource) -> NoisedBatch {
        let (count, perSample) = Self.checkBatch(data, times: times)
        var noised = data, target = data
        for n in 0..<count {
            var stream = random.split()
            for j in (n * perSample)..<((n + 1) * perSample) {
                let pair = noise(data: Double(data.scalars[j]), time: Double(times[n]), random: &stream)
                noised.scalars[j] = Float(pair.noised)
                target.scalars[j] = Float(pair.target)
            }
        }
        return NoisedBatch(noised: noised, target: target)
    }

    private static func checkBatch(_ data: Tensor, times: [Float]) -> (count: Int, perSample: Int) {
        precondition(
            data.rank >= 1 && data.shape[0] == times.count,
            "KacPath.noise: data \(data.shape) needs one time per sample, got \(times.count) times")
        let count = times.count
        return (count, count == 0 ? 0 : data.count / count)
    }
}
