// `auto` precision by measurement (ZooVelocityModel+AutoPrecision): with an injected timer, the
// choice follows the timings both ways; each loaded model and call shape is measured once (a second
// ask, or a copy of the model described by another manifest, reuses it; another shape measures
// again); the measurement line names the model, the shape, both rates and the choice; and where
// bf16 cannot run, auto is fp32 without any timing.
import Foundation
import Generation
import ModelStore
import Synchronization
import TestSupport
import Testing
import Vocabulary

@Suite struct AutoPrecisionTests {
    /// A timer that runs nothing and answers `fp32` or `bf16` seconds per pass, counting its calls.
    final class ScriptedTimer: Sendable {
        let seconds: [Precision: Double]
        let calls = Mutex<[Precision: Int]>([:])

        init(fp32: Double, bf16: Double) { seconds = [.fp32: fp32, .bf16: bf16] }

        var timer: PassTimer {
            PassTimer { [self] precision, _ in
                calls.withLock { $0[precision, default: 0] += 1 }
                return seconds[precision] ?? .infinity
            }
        }

        var count: Int { calls.withLock { $0.values.reduce(0, +) } }
    }

    static func loadedModel(_ zoo: TemporaryDirectory) throws -> ZooVelocityModel {
        try TinyModel.publish(into: zoo.path)
        return try ZooVelocityModel.load("fashion-mnist/teacher", from: try ModelStore(root: zoo.path, create: false))
    }

    @Test(.enabled(if: ZooVelocityModel.bf16Available, "this CPU cannot run bf16, so auto has nothing to measure"), arguments: [true, false])
    func choiceFollowsTheMeasurement(bf16Faster: Bool) throws {
        let zoo = TemporaryDirectory(prefix: "kac-auto-zoo")
        let model = try Self.loadedModel(zoo)
        let script = bf16Faster ? ScriptedTimer(fp32: 0.02, bf16: 0.01) : ScriptedTimer(fp32: 0.01, bf16: 0.02)
        let (chosen, measured) = try model.resolvingPrecision(.auto, rounds: 2, timer: script.timer)
        let expected: Precision = bf16Faster ? .bf16 : .fp32
        #expect(chosen.precision == expected)
        let measurement = try #require(measured)
        #expect(measurement.chosen == expected)
        #expect(measurement.shape == NetworkShape(batch: 16, sample: [28, 28, 1]))
        #expect(measurement.fp32Rate == 16 / (bf16Faster ? 0.02 : 0.01))
        #expect(measurement.bf16Rate == 16 / (bf16Faster ? 0.01 : 0.02))
        #expect(script.calls.withLock { $0 } == [.fp32: 2, .bf16: 2], "alternating rounds, one timing per precision each")
        let (fp32Rate, bf16Rate) = bf16Faster ? (800, 1600) : (1600, 800)
        let line = measurement.description
        for part in [
            "fashion-mnist/teacher@1", "16 × 28×28×1", "fp32 \(fp32Rate) images/s", "bf16 \(bf16Rate) images/s",
            "chose \(expected.rawValue)",
        ] {
            #expect(line.contains(part), "\(line)")
        }
    }

    @Test(.enabled(if: ZooVelocityModel.bf16Available, "this CPU cannot run bf16, so auto has nothing to measure"))
    func measuredOncePerModelAndShape() throws {
        let zoo = TemporaryDirectory(prefix: "kac-auto-zoo")
        let model = try Self.loadedModel(zoo)
        let script = ScriptedTimer(fp32: 0.02, bf16: 0.01)
        let first = try model.resolvingPrecision(.auto, rounds: 1, timer: script.timer)
        #expect(first.measured != nil && script.count == 2)
        // Again, from the model and from its bf16 form: remembered, no timing, no second log line.
        let again = try model.resolvingPrecision(.auto, rounds: 1, timer: script.timer)
        let fromCopy = try first.model.resolvingPrecision(.auto, rounds: 1, timer: script.timer)
        #expect(again.measured == nil && fromCopy.measured == nil && script.count == 2)
        #expect(again.model.precision == .bf16 && fromCopy.model.precision == .bf16)
        // Another shape is measured on its own.
        let other = try model.resolvingPrecision(.auto, shape: NetworkShape(batch: 32, sample: [28, 28, 1]), rounds: 1, timer: script.timer)
        #expect(other.measured?.shape.batch == 32 && script.count == 4)
        // Another load of the same model is another loaded model: measured again.
        let reloaded = try ZooVelocityModel.load("fashion-mnist/teacher", from: try ModelStore(root: zoo.path, create: false))
        #expect(try reloaded.resolvingPrecision(.auto, rounds: 1, timer: script.timer).measured != nil && script.count == 6)
        // Named precisions never measure.
        #expect(try model.resolvingPrecision(.fp32, timer: script.timer).model.precision == .fp32)
        #expect(try model.resolvingPrecision(.bf16, timer: script.timer).model.precision == .bf16)
        #expect(script.count == 6)
    }

    @Test(.enabled(if: !ZooVelocityModel.bf16Available, "this CPU runs bf16; the fp32 fallback is checked on CPUs without it"))
    func withoutBF16AutoIsFP32WithoutMeasuring() throws {
        let zoo = TemporaryDirectory(prefix: "kac-auto-zoo")
        let model = try Self.loadedModel(zoo)
        let script = ScriptedTimer(fp32: 0.02, bf16: 0.01)
        let (chosen, measured) = try model.resolvingPrecision(.auto, timer: script.timer)
        #expect(chosen.precision == .fp32 && measured == nil && script.count == 0)
        #expect(throws: PrecisionUnavailable.self) { try model.resolvingPrecision(.bf16, timer: script.timer) }
    }

    /// The real timer: a rate is positive and finite in either precision (the function `kac-bench` uses).
    @Test func networkRateIsMeasured() throws {
        let zoo = TemporaryDirectory(prefix: "kac-auto-zoo")
        let model = try Self.loadedModel(zoo)
        var precisions: [Precision] = [.fp32]
        if ZooVelocityModel.bf16Available { precisions.append(.bf16) }
        for precision in precisions {
            let rate = try model.inPrecision(precision).networkRate(batch: 4, rounds: 1)
            #expect(rate.isFinite && rate > 0, "\(precision): \(rate)")
        }
    }
}
