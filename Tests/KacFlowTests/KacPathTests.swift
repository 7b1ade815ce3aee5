// The Kac path and its training target (KAC.md §4): schedules, the batched noising API against
// its plain-loop reference and across thread counts, the target formula, and the prior's
// per-image streams.
import Foundation
import KacFlow
import TensorCore
import Testing
import Vocabulary

@Suite struct KacPathTests {
    /// Float storage of noised/target values: ~1e-7 relative, so 1e-5 absolute on |x| ≲ 5.
    static let floatTolerance = 1e-5

    static func data(count: Int, perSample: Int) -> Tensor {
        var random = RandomSource(seed: 99)
        let scalars = (0..<(count * perSample)).map { _ in Float(random.uniform() * 2 - 1) }
        return Tensor(shape: [count, perSample / 4, 2, 2], scalars: scalars)
    }

    @Test(arguments: SignalSchedule.allCases)
    func schedulesStartAtDataAndDifferentiateCorrectly(schedule: SignalSchedule) {
        let horizon = 1.5
        #expect(schedule.signal(time: 0, horizon: horizon) == 1)
        if schedule != .exponential { #expect(abs(schedule.signal(time: horizon, horizon: horizon)) < 1e-15) }
        // Central differences: truncation error ~h²·f‴ ≈ 1e-10, far inside 1e-7.
        let h = 1e-5
        for t in [0.1, 0.7, 1.4] {
            let difference = (schedule.signal(time: t + h, horizon: horizon) - schedule.signal(time: t - h, horizon: horizon)) / (2 * h)
            #expect(abs(difference - schedule.signalRate(time: t, horizon: horizon)) < 1e-7)
        }
    }

    @Test func configurationCodableWithDefaults() throws {
        let path = KacPath()
        #expect(path.configuration == KacPath.Configuration(dampingRate: 9, speed: 3, horizon: 1, schedule: .linear))
        let custom = KacPath.Configuration(dampingRate: 25, speed: 2, horizon: 2, schedule: .cosine)
        let json = try JSONEncoder().encode(custom)
        #expect(try JSONDecoder().decode(KacPath.Configuration.self, from: json) == custom)
        #expect(String(decoding: json, as: UTF8.self).contains("\"cosine\""))
        #expect(try JSONDecoder().decode(KacPath.Configuration.self, from: Data("{}".utf8)) == KacPath.Configuration())
    }

    @Test func batchedNoisingMatchesReferenceAndIgnoresThreadCount() {
        let path = KacPath()
        let data = Self.data(count: 9, perSample: 64)
        let times: [Float] = [0, 1e-6, 0.01, 0.2, 0.5, 0.5, 0.9, 0.999, 1]
        var r1 = RandomSource(seed: 3), r2 = RandomSource(seed: 3), r3 = RandomSource(seed: 3)
        let fast = path.noise(data, times: times, random: &r1, threadCount: 2)
        let single = path.noise(data, times: times, random: &r2, threadCount: 1)
        let reference = path.referenceNoise(data, times: times, random: &r3)
        #expect(fast == single)
        #expect(fast == reference)
        #expect(r1 == r3 && r1 == r2)
        #expect(fast.noised.shape == data.shape && fast.target.shape == data.shape)
        var r4 = RandomSource(seed: 4)
        #expect(path.noise(data, times: times, random: &r4) != fast)
    }

    /// The target must equal f′(t)x₀ + v(t, x_t − f(t)x₀), recomputed from the noised value with
    /// the position-only velocity, wherever the draw is clearly inside the cone (the atom flag
    /// and the ε-guard may disagree in a thin band, which is excluded).
    @Test(arguments: SignalSchedule.allCases)
    func targetIsTheConditionalVelocity(schedule: SignalSchedule) {
        let path = KacPath(configuration: .init(schedule: schedule))
        let data = Self.data(count: 6, perSample: 400)
        let times: [Float] = [0.02, 0.1, 0.3, 0.6, 0.9, 1]
        var random = RandomSource(seed: 8)
        let batch = path.noise(data, times: times, random: &random)
        var checked = 0, atoms = 0
        for n in 0..<6 {
            let t = Double(times[n])
            let cone = path.process.speed * t
            for j in (n * 400)..<((n + 1) * 400) {
                let x0 = Double(data.scalars[j]), x = Double(batch.noised.scalars[j])
                let offset = x - schedule.signal(time: t, horizon: 1) * x0
                let target = Double(batch.target.scalars[j])
                #expect(abs(offset) <= cone + Self.floatTolerance)
                if abs(offset) < cone * (1 - 1e-3) {
                    let expected = path.conditionalVelocity(time: t, position: x, data: x0)
                    #expect(abs(target - expected) < 1e-4, "t \(t) x0 \(x0) x \(x)")  // dv/dx ≲ a: 1e-4 covers Float x
                    checked += 1
                } else if abs(abs(offset) - cone) < Self.floatTolerance {
                    // On the atom the particle moves at exactly ±c outward.
                    let v = target - schedule.signalRate(time: t, horizon: 1) * x0
                    #expect(abs(abs(v) - path.process.speed) < Self.floatTolerance && v * offset > 0)
                    atoms += 1
                }
            }
        }
        #expect(checked > 1500 && atoms > 0, "checked \(checked), atoms \(atoms)")  // ~1880 interior draws expected
    }

    @Test func targetNearTimeZeroIsMinusDataPlusAtomVelocity() {
        let path = KacPath()
        let data = Self.data(count: 2, perSample: 200)
        var random = RandomSource(seed: 1)
        let batch = path.noise(data, times: [1e-7, 0], random: &random)
        for j in 0..<200 {
            // t = 1e-7: no switch with probability e^{−9e−7}; x_t = (1 − t)x₀ ± ct, u = −x₀ ± c.
            let x0 = Double(data.scalars[j])
            let velocity = Double(batch.target.scalars[j]) + x0
            #expect(abs(abs(velocity) - 3) < Self.floatTolerance)
            let displacement = Double(batch.noised.scalars[j]) - (1 - 1e-7) * x0
            #expect(abs(displacement - velocity * 1e-7) < Self.floatTolerance)
        }
        for j in 200..<400 {
            // t = 0 exactly: x_0 = x₀ and v(0, ·) = 0, so u = −x₀.
            #expect(batch.noised.scalars[j] == data.scalars[j])
            #expect(batch.target.scalars[j] == -data.scalars[j])
        }
    }

    @Test func trainingTimesCoverTheHorizon() {
        let path = KacPath(configuration: .init(horizon: 2))
        var random = RandomSource(seed: 6)
        let times = path.sampleTimes(count: 10_000, random: &random)
        #expect(times.allSatisfy { $0 >= 0 && $0 <= 2 })
        // Mean of U[0, 2] is 1 with standard error 2/√12/√10⁴ ≈ 0.0058; 5 sigma.
        #expect(abs(times.reduce(0, +) / 10_000 - 1) < 0.03)
    }

    @Test func priorImageIsTheSameAloneOrInABatch() {
        let path = KacPath()
        let batch = path.prior(shape: [5, 4, 4, 3], seed: 77)
        let alone = path.prior(shape: [1, 4, 4, 3], seed: 77, index: 3)
        let perImage = 48
        #expect(Array(batch.scalars[(3 * perImage)..<(4 * perImage)]) == alone.scalars)
        let offset = path.prior(shape: [2, 4, 4, 3], seed: 77, index: 2, threadCount: 1)
        #expect(Array(batch.scalars[(2 * perImage)..<(4 * perImage)]) == offset.scalars)
        #expect(batch.scalars.allSatisfy { abs($0) <= 3 })
        #expect(path.prior(shape: [1, 4, 4, 3], seed: 78, index: 3) != alone)
    }

    /// Measures the batched noising speed (a benchmark, not a timed assertion): 128 × 28 × 28
    /// coordinates at uniform times, the trainer's per-step load.
    @Test func noisingThroughput() {
        let path = KacPath()
        let count = 128
        let data = Tensor(shape: [count, 28, 28, 1], repeating: 0.25)
        var random = RandomSource(seed: 2)
        let times = (0..<count).map { _ in Float(random.uniform()) }
        let clock = ContinuousClock()
        var batch: NoisedBatch?
        let elapsed = clock.measure { for _ in 0..<5 { batch = path.noise(data, times: times, random: &random) } }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        print("KacPath.noise: \(Int(Double(5 * data.count) / seconds)) coordinates/s (\(count)×28×28, 2 threads)")
        #expect(batch?.target.scalars.allSatisfy { $0.isFinite } == true)
    }
}
