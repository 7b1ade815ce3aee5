// `auto` precision by measurement: the network alone is timed in fp32 and in bf16 at the shape the
// generator calls it with, alternating, and the faster precision is used from then on. Measured once
// per loaded model and shape and kept with the loaded model in memory (a model cache keeps it as
// long as it keeps the model; nothing is written to disk). Where bf16 cannot run, auto is fp32
// without measuring. The rate function is also what `kac-bench` prints as the network-only rate.
import Foundation
import NeuralNet
import TensorCore
import Vocabulary

/// The shape of one network call: images per call and one image's [H, W, C].
public struct NetworkShape: Hashable, Sendable, CustomStringConvertible {
    public let batch: Int
    public let sample: [Int]

    public init(batch: Int, sample: [Int]) {
        precondition(batch >= 1, "NetworkShape: batch must be at least 1, got \(batch)")
        (self.batch, self.sample) = (batch, sample)
    }

    /// "16 × 28×28×1".
    public var description: String { "\(batch) × " + sample.map(String.init).joined(separator: "×") }
}

/// What `auto` measured for one model and shape, and what it chose.
public struct PrecisionMeasurement: Sendable, Equatable, CustomStringConvertible {
    public let model: String
    public let shape: NetworkShape
    /// Images per second of the network alone, best of the rounds.
    public let fp32Rate: Double, bf16Rate: Double
    public let chosen: Precision

    /// One plain line for the log.
    public var description: String {
        String(
            format: "auto precision for %@ at %@ images a call: fp32 %.0f images/s, bf16 %.0f images/s (network alone); chose %@",
            model, shape.description, fp32Rate, bf16Rate, chosen.rawValue)
    }
}

/// Times one network pass: seconds taken by `pass`, a forward pass in `precision`. The default is
/// the wall clock; tests inject their own.
public struct PassTimer: Sendable {
    public let seconds: @Sendable (_ precision: Precision, _ pass: () -> Void) -> Double

    public init(_ seconds: @escaping @Sendable (_ precision: Precision, _ pass: () -> Void) -> Double) {
        self.seconds = seconds
    }

    public static let wallClock = PassTimer { _, pass in
        let start = ContinuousClock.now
        pass()
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }
}

extension ZooVelocityModel {
    /// The shape of the generator's network calls for this model: `Generator.slotCount` images (the
    /// size of every call without classifier-free guidance; guided calls are twice that).
    public var callShape: NetworkShape { NetworkShape(batch: Generator.slotCount, sample: architecture.sampleShape) }

    /// Images per second of this model's network alone, in its precision, on calls of `batch`
    /// images: the best of `rounds` timed passes after one warm-up (which also makes bf16's
    /// per-shape kernels). The inputs are fixed draws (normal images, times across the horizon,
    /// every class); the rate does not depend on the values.
    public func networkRate(batch: Int, rounds: Int = 3, timer: PassTimer = .wallClock) -> Double {
        let pass = networkPass(NetworkShape(batch: batch, sample: architecture.sampleShape))
        pass()
        var best = Double.infinity
        for _ in 0..<max(rounds, 1) { best = min(best, timer.seconds(precision, pass)) }
        return Double(batch) / best
    }

    /// One forward pass on fixed inputs of `shape`, ready to be timed.
    func networkPass(_ shape: NetworkShape) -> () -> Void {
        var random = RandomSource(seed: 1)
        let count = shape.batch * shape.sample.reduce(1, *)
        let x = Tensor(shape: [shape.batch] + shape.sample, scalars: (0..<count).map { _ in Float(random.normal()) })
        let horizon = Float(path.horizon)
        let times = (0..<shape.batch).map { horizon * Float($0 + 1) / Float(shape.batch + 1) }
        let labels = (0..<shape.batch).map { $0 % (architecture.classCount + 1) }
        let guidance: [Float]? = network.hasGuidanceInput ? Array(repeating: 1, count: shape.batch) : nil
        let network = self.network
        return { _ = network.velocity(x, times: times, labels: labels, guidance: guidance) }
    }

    /// This model in the precision `setting` means here: fp32 or bf16 as named (bf16 refused where
    /// it cannot run, as `resolve` does); `auto` the precision whose network ran faster on calls of
    /// `shape` (default `callShape`), measured on the first ask for this loaded model and shape —
    /// `rounds` alternating fp32/bf16 passes, best of each — and remembered. `measured` is that
    /// measurement, returned only by the call that made it, for the caller to log once.
    public func resolvingPrecision(
        _ setting: PrecisionSetting, shape: NetworkShape? = nil, rounds: Int = 3, timer: PassTimer = .wallClock
    ) throws -> (model: ZooVelocityModel, measured: PrecisionMeasurement?) {
        try resolvingPrecision(try Self.decide(setting), shape: shape, rounds: rounds, timer: timer)
    }

    /// This model as `decision` says (made by `decide`, which read the capability; not read again):
    /// the precision decided, or for `auto` where bf16 runs the one measured faster, as above.
    public func resolvingPrecision(
        _ decision: PrecisionDecision, shape: NetworkShape? = nil, rounds: Int = 3, timer: PassTimer = .wallClock
    ) throws -> (model: ZooVelocityModel, measured: PrecisionMeasurement?) {
        guard decision.measures else { return (try inPrecision(decision.precision), nil) }
        let shape = shape ?? callShape
        let fp32 = try inPrecision(.fp32), bf16 = try inPrecision(.bf16)
        let (chosen, measured) = twins.choice(for: shape) {
            let passes = [(Precision.fp32, fp32.networkPass(shape)), (.bf16, bf16.networkPass(shape))]
            for (_, pass) in passes { pass() }
            var best = [Double.infinity, .infinity]
            for _ in 0..<max(rounds, 1) {
                for (index, (precision, pass)) in passes.enumerated() { best[index] = min(best[index], timer.seconds(precision, pass)) }
            }
            let (fp32Rate, bf16Rate) = (Double(shape.batch) / best[0], Double(shape.batch) / best[1])
            return PrecisionMeasurement(
                model: label, shape: shape, fp32Rate: fp32Rate, bf16Rate: bf16Rate, chosen: bf16Rate > fp32Rate ? .bf16 : .fp32)
        }
        return (chosen == .bf16 ? bf16 : fp32, measured)
    }
}

extension PrecisionTwins {
    /// The precision `auto` chose for `shape`, measuring with `measure` on the first ask (under a
    /// lock, so concurrent first asks measure once); the measurement is returned only then.
    func choice(for shape: NetworkShape, measure: () -> PrecisionMeasurement) -> (Precision, PrecisionMeasurement?) {
        choiceLock.withLock {
            if let known = autoChoices[shape] { return (known.chosen, nil) }
            let measurement = measure()
            autoChoices[shape] = measurement
            return (measurement.chosen, measurement)
        }
    }
}
