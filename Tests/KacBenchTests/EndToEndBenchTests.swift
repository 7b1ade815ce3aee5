// The end-to-end rows of `kac-bench` on a tiny model in a temporary zoo: one row per precision with
// the network's rate, the render's rate and their fraction, every rendered file removed afterwards;
// a missing model or an impossible count is an error before anything is written. Rates are not
// checked against any speed (no timed assertions), only that they were measured.
import Foundation
import Generation
import KacBench
import KacFlow
import ModelStore
import NeuralNet
import RenderService
import TensorCore
import TestSupport
import Testing
import Vocabulary

@Suite struct EndToEndBenchTests {
    static let configuration = UNetConfiguration(
        imageHeight: 28, imageWidth: 28, imageChannels: 1, baseWidth: 8, widthMultipliers: [1, 2],
        residualBlocksPerLevel: 1, attentionResolutions: [], attentionHeads: 1, groupCount: 4, classCount: 10)

    /// A tiny one-step student published as fashion-mnist/student-1 in a store at `zoo`.
    static func publishTinyStudent(into zoo: String) throws -> ModelStore {
        let store = try ModelStore(root: zoo, create: true)
        var random = RandomSource(seed: 3)
        let architecture = NetworkArchitecture.unet(configuration)
        let network = architecture.makeNetwork(random: &random)
        try VelocityModelPublication(
            name: "fashion-mnist/student-1", kind: .teacher, weights: network.parameters, architecture: architecture,
            path: KacPath.Configuration(), defaults: SamplingSettings(integrator: .euler, steps: 1, guidance: 1),
            classNames: nil, dataset: DatasetReference(name: "fashion-mnist"), evaluations: []
        )
        .publish(to: store, dtype: .f32, tags: [])
        return store
    }

    @Test func printsOneRowPerPrecisionAndRemovesItsFiles() throws {
        let zoo = TemporaryDirectory(prefix: "kac-bench-zoo"), scratch = TemporaryDirectory(prefix: "kac-bench-scratch")
        let store = try Self.publishTinyStudent(into: zoo.path)
        // 20 images: a full batch of 16 and a partial one of 4, so both paths through the renderer run.
        let bench = EndToEndBench(
            store: store, model: "fashion-mnist/student-1", count: 20, batchSize: 16, precisions: [.fp32], repetitions: 1,
            scratchParent: scratch.path)
        var lines: [String] = []
        try bench.run { lines.append($0) }
        #expect(lines.first?.hasPrefix("end to end: fashion-mnist/student-1@1 (euler, 1 step, guidance 1.0), 20 PNGs") == true)
        let rows = lines.filter { $0.hasPrefix("fp32") }
        try #require(rows.count == 1, "one fp32 row in \(lines)")
        let numbers = rows[0].split(separator: " ").dropFirst().map { Double($0.replacingOccurrences(of: "%", with: "")) }
        // Rates and CPU times are measured (positive); "outside the network" is a difference and may be any sign.
        try #require(numbers.count == 7 && numbers.allSatisfy { $0 != nil }, "seven figures in \(rows[0])")
        #expect([0, 1, 2, 3, 4, 6].allSatisfy { (numbers[$0] ?? 0) > 0 }, "measured figures in \(rows[0])")
        // The split by stage: one row per schedule, its rate and fraction, then outside, prior
        // draw, encode, libvips threads, file writes and the rest (a difference, any sign).
        for schedule in RenderSchedule.allCases {
            let split = lines.filter { $0.hasPrefix("\(schedule.rawValue)/fp32 ") }
            try #require(split.count == 1, "one \(schedule) row in \(lines)")
            let figures = split[0].split(separator: " ").dropFirst().map { Double($0.replacingOccurrences(of: "%", with: "")) }
            try #require(figures.count == 8 && figures.allSatisfy { $0 != nil }, "eight figures in \(split[0])")
            #expect([0, 1, 3, 4, 6].allSatisfy { (figures[$0] ?? 0) > 0 }, "measured figures in \(split[0])")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).isEmpty)
    }

    @Test func aMissingModelFailsBeforeWritingAnything() throws {
        let zoo = TemporaryDirectory(prefix: "kac-bench-zoo"), scratch = TemporaryDirectory(prefix: "kac-bench-scratch")
        let store = try Self.publishTinyStudent(into: zoo.path)
        let bench = EndToEndBench(
            store: store, model: "fashion-mnist/student-9", count: 20, batchSize: 16, precisions: [.fp32], repetitions: 1,
            scratchParent: scratch.path)
        #expect(throws: (any Error).self) { try bench.run { _ in } }
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).isEmpty)
    }

    @Test func refusesAnEmptyRender() throws {
        let zoo = TemporaryDirectory(prefix: "kac-bench-zoo")
        let store = try Self.publishTinyStudent(into: zoo.path)
        let bench = EndToEndBench(store: store, model: "fashion-mnist/student-1", count: 0, batchSize: 16, precisions: [.fp32], repetitions: 1)
        #expect {
            try bench.run { _ in }
        } throws: { error in
            guard case BenchError.invalidSetting(let sentence) = error else { return false }
            return sentence.contains("at least 1")
        }
    }
}
