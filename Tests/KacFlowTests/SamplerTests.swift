// Integrators on ODEs with closed forms (order of accuracy, AB-2's Euler start, rk45 accuracy and
// evaluation counts, per-sample sub-intervals), and the Kac end-to-end check: the exact field of
// a single data point carries every prior sample from T back onto that point.
import Foundation
import KacFlow
import TensorCore
import Testing
import Vocabulary

@Suite struct SamplerTests {
    /// dx/dt = x·cos t, so x(t) = x(t₀)·exp(sin t − sin t₀); time-dependent on purpose, so a
    /// stage evaluated at the wrong time shows up as a lost order.
    static func field(_ x: Tensor, _ t: Float) -> Tensor {
        Tensor(shape: x.shape, scalars: x.scalars.map { $0 * cos(t) })
    }
    static let start = Tensor(shape: [3, 2], scalars: [1, -0.5, 2, 0.25, -1.5, 0.75])

    static func exactAtZero(_ x: Tensor) -> [Double] {
        x.scalars.map { Double($0) * exp(-sin(1.0)) }
    }

    static func maxError(_ integrator: Integrator, steps: Int) -> Double {
        let result = Sampler(integrator: integrator, steps: steps).integrate(from: start, velocity: field)
        return zip(result.sample.scalars, exactAtZero(start)).map { abs(Double($0) - $1) }.max() ?? 0
    }

    /// Halving the step divides the error by ≈2^order; Float round-off (~1e-7) stays far below
    /// the errors at these step counts (≥ 1e-4), so the ratio bands are wide enough and tight
    /// enough to tell order 1 from order 2.
    @Test(arguments: [(Integrator.euler, 1.0), (.heun, 2.0), (.midpoint, 2.0), (.ab2, 2.0)])
    func orderOfAccuracy(integrator: Integrator, order: Double) {
        let coarse = Self.maxError(integrator, steps: 16)
        let fine = Self.maxError(integrator, steps: 32)
        let observed = log2(coarse / fine)
        #expect(abs(observed - order) < 0.25, "\(integrator): errors \(coarse) → \(fine), order \(observed)")
    }

    @Test(arguments: Integrator.allCases)
    func countsEvaluationsAndEndsExactlyAtZero(integrator: Integrator) {
        nonisolated(unsafe) var calls = 0
        nonisolated(unsafe) var lastTime: Float = -1
        let counting: BatchVelocity = { x, t in
            calls += 1; lastTime = t; return Self.field(x, t)
        }
        let sampler = Sampler(integrator: integrator, steps: 10)
        var states: [SamplerState] = []
        for state in sampler.trajectory(from: Self.start, velocity: counting) { states.append(state) }
        let last = states.last
        #expect(last?.progress == 1 && last?.times == [0, 0, 0])
        #expect(last?.evaluations == calls)
        if let expected = integrator.networkEvaluations(steps: 10) {
            #expect(calls == expected && states.count == 10)
        } else {
            #expect(calls >= 6 * states.count + 1)
        }
        #expect(lastTime >= 0 && lastTime <= 1)
        #expect(zip(states, states.dropFirst()).allSatisfy { $0.progress < $1.progress })
    }

    @Test func integratorIsCodableAsItsName() throws {
        let json = try JSONEncoder().encode([Integrator.ab2, .rk45])
        #expect(String(decoding: json, as: UTF8.self) == "[\"ab2\",\"rk45\"]")
        #expect(try JSONDecoder().decode([Integrator].self, from: Data("[\"heun\"]".utf8)) == [.heun])
        #expect(Integrator(rawValue: "rk4") == nil)
    }

    @Test func rk45MeetsItsTolerance() {
        let sampler = Sampler(integrator: .rk45, steps: 2, tolerance: AdaptiveTolerance(relative: 1e-6, absolute: 1e-6))
        let result = sampler.integrate(from: Self.start, velocity: Self.field)
        let error = zip(result.sample.scalars, Self.exactAtZero(Self.start)).map { abs(Double($0) - $1) }.max() ?? 1
        // Local tolerance 1e-6 per step, a handful of steps, Float state: 2e-5 is generous.
        #expect(error < 2e-5, "rk45 error \(error) after \(result.steps) steps, \(result.networkEvaluations) evaluations")
        #expect(result.networkEvaluations >= 6 * result.steps + 1)
    }

    @Test func ab2FirstStepIsEulerThenDiffers() {
        let ab2 = Array(Sampler(integrator: .ab2, steps: 5).trajectory(from: Self.start, velocity: Self.field))
        let euler = Array(Sampler(integrator: .euler, steps: 5).trajectory(from: Self.start, velocity: Self.field))
        #expect(ab2[0].x == euler[0].x)
        #expect(ab2[1].x != euler[1].x)
    }

    /// Distillation form: each sample integrates its own sub-interval [t_k → t_{k+1}].
    @Test(arguments: [Integrator.euler, .ab2, .heun])
    func perSampleSubIntervals(integrator: Integrator) {
        let starts: [Float] = [1, 0.6, 0.25], ends: [Float] = [0.8, 0.4, 0]
        nonisolated(unsafe) var timesInRange = true
        let field: PerSampleVelocity = { x, times in
            for n in 0..<3 where times[n] > starts[n] || times[n] < ends[n] { timesInRange = false }
            let perSample = x.count / 3
            return Tensor(shape: x.shape, scalars: x.scalars.indices.map { x.scalars[$0] * cos(times[$0 / perSample]) })
        }
        let result = Sampler(integrator: integrator, steps: 64)
            .integrate(from: Self.start, startTimes: starts, endTimes: ends, velocity: field)
        for j in 0..<Self.start.count {
            let n = j / 2
            let exact = Double(Self.start.scalars[j]) * exp(sin(Double(ends[n])) - sin(Double(starts[n])))
            // Order ≥ 1 with h = 0.2/64 ≈ 3e-3 on |x| ≤ 2: error ≲ 1e-3.
            #expect(abs(Double(result.sample.scalars[j]) - exact) < 1e-3)
        }
        #expect(timesInRange)
    }

    /// The Kac velocity of a Dirac data distribution is exact: every prior sample, integrated
    /// backward with u(t, x | x₀), must land on x₀ (signs and time direction end to end).
    /// Backward in time every interior particle meets the light cone (the continuous mass
    /// 1 − e^{−at} vanishes at t = 0) and then rides it to the origin; the field jumps there from
    /// c·at/(at + 2) to c, so a step can overshoot the cone by at most |h|·(c − v) ≤ |h|·c (2|h|·c
    /// for AB-2, whose extrapolation 3/2·u_k − 1/2·u_{k−1} reaches 2c), and that offset is carried
    /// to t = 0. Every integrator is therefore first order here: we check that bound and that the
    /// error shrinks with the step.
    @Test(arguments: [(Integrator.euler, 1.0), (.heun, 1.0), (.midpoint, 1.0), (.ab2, 2.0)])
    func diracDataIsReachedFromThePrior(integrator: Integrator, overshootFactor: Double) {
        let coarse = Self.diracErrors(Sampler(integrator: integrator, steps: 25))
        let fine = Self.diracErrors(Sampler(integrator: integrator, steps: 100))
        print("Dirac transport \(integrator): max/mean error \(coarse.max)/\(coarse.mean) at 25 steps, \(fine.max)/\(fine.mean) at 100")
        #expect(fine.max <= overshootFactor * 3 * 0.01 + Self.floatSlack)
        #expect(coarse.max <= overshootFactor * 3 * 0.04 + Self.floatSlack)
        #expect(fine.mean < coarse.mean / 2)
    }

    @Test func diracDataIsReachedByRK45() {
        // The RMS error norm dilutes one coordinate's cone crossing over the batch, so use a
        // single small sample and a tight tolerance; the step control then resolves crossings.
        let errors = Self.diracErrors(
            Sampler(
                integrator: .rk45, steps: 10,
                tolerance: AdaptiveTolerance(relative: 1e-6, absolute: 1e-6)), count: 1, perSample: 4)
        print("Dirac transport rk45: max error \(errors.max), \(errors.evaluations) evaluations")
        #expect(errors.max < 1e-2)
    }

    /// Float rounding of ~100 steps of size ≤ 3·0.01 on |x| ≤ 4: well below 1e-4.
    static let floatSlack = 1e-4

    static func diracErrors(_ sampler: Sampler, count: Int = 8, perSample: Int = 64) -> (max: Double, mean: Double, evaluations: Int) {
        let path = KacPath()
        var random = RandomSource(seed: 21)
        let point = (0..<perSample).map { _ in random.uniform() * 2 - 1 }
        let prior = path.prior(shape: [count, perSample], seed: 4)
        let field: BatchVelocity = { x, t in
            Tensor(
                shape: x.shape,
                scalars: x.scalars.indices.map { j in
                    Float(path.conditionalVelocity(time: Double(t), position: Double(x.scalars[j]), data: point[j % perSample]))
                })
        }
        let result = sampler.integrate(from: prior, velocity: field)
        let errors = result.sample.scalars.indices.map { abs(Double(result.sample.scalars[$0]) - point[$0 % perSample]) }
        return (errors.max() ?? 0, errors.reduce(0, +) / Double(errors.count), result.networkEvaluations)
    }
}
