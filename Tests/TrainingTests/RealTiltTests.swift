// Tilted reals: the sampler draws in proportion to its weights and keeps each class's share; the
// cross-fitted classifiers give clear images a higher probability of their own class than ambiguous
// ones, are kept in their file and read back, and are remade for another seed; a refiner with the tilt
// resumes exactly, and one without the probabilities it needs is refused.
import Foundation
import KacFlow
import NeuralNet
import TensorCore
import TestSupport
import Testing
import Training

struct RealTiltTests {
    @Test func samplerDrawsInProportionToItsWeights() {
        let sampler = WeightedIndexSampler(weights: [1, 0, 2, 7])
        var random = RandomSource(seed: 9)
        var counts = [0, 0, 0, 0]
        let draws = 100_000
        for _ in 0..<draws { counts[sampler.index(uniform: random.uniform())] += 1 }
        #expect(counts[1] == 0)
        for (index, share) in [(0, 0.1), (2, 0.2), (3, 0.7)] {
            #expect(abs(Double(counts[index]) / Double(draws) - share) < 0.005, "index \(index): \(counts)")
        }
        #expect(sampler.index(uniform: 0) == 0 && sampler.index(uniform: 0.999_999) == 3)
        #expect(abs(WeightedIndexSampler(weights: [2, 2, 2]).effectiveFraction - 1) < 1e-12)
        #expect(sampler.effectiveFraction < 0.6)
    }

    @Test func tiltKeepsEachClassShareAndFavoursConfidentSamples() {
        let probabilities: [Float] = [0.9, 0.1, 0.5, 0.5, 0.5, 0.99]
        let labels = [0, 0, 1, 1, 1, 1]
        let sampler = WeightedIndexSampler(tilt: probabilities, labels: labels, gamma: 0.5)
        let weights = sampler.weights
        #expect(abs(weights[0] + weights[1] - 2) < 1e-12 && abs(weights[2...].reduce(0, +) - 4) < 1e-12)
        #expect(weights[0] / weights[1] - 3 < 1e-9 && weights[0] > weights[1])  // (0.9 / 0.1)^0.5 = 3
        #expect(weights[5] > weights[2] && weights[2] == weights[3])
        let flat = WeightedIndexSampler(tilt: probabilities, labels: labels, gamma: 0)
        #expect(abs(flat.effectiveFraction - 1) < 1e-12)
    }

    /// 4×4 images in two classes: the left or the right half bright, plus noise; every fifth image has both
    /// halves at the same level (ambiguous), so no network can be sure of its label.
    static func images(count: Int = 1000) -> (data: LabeledDataset, ambiguous: [Bool]) {
        var random = RandomSource(seed: 4)
        var scalars: [Float] = []
        var labels: [Int] = []
        var ambiguous: [Bool] = []
        for i in 0..<count {
            let label = i % 2, unclear = i % 5 == 0
            for _ in 0..<4 {
                for x in 0..<4 {
                    let bright = unclear || (x < 2) == (label == 0)
                    scalars.append((bright ? 0.6 : -0.6) + Float(random.uniform() - 0.5) * 0.4)
                }
            }
            labels.append(label)
            ambiguous.append(unclear)
        }
        return (LabeledDataset(samples: Tensor(shape: [count, 4, 4, 1], scalars: scalars), labels: labels, classNames: ["left", "right"]), ambiguous)
    }

    @Test func crossFittedProbabilitiesSeparateClearFromAmbiguousAndAreKept() throws {
        let directory = TemporaryDirectory()
        let (data, ambiguous) = Self.images()
        let file = directory.file("real-tilt.safetensors")
        var lines: [String] = []
        let p = try RealTilt.probabilities(data: data, seed: 1, file: file, epochs: 15) { lines.append($0) }
        #expect(p.count == data.count && p.allSatisfy { (0...1).contains($0) })
        #expect(lines.count == 2 && lines[0].contains("tilt classifier 1/2: trained on 500 images"), "\(lines)")
        let clear = zip(p, ambiguous).filter { !$0.1 }.map { Double($0.0) }
        let unclear = zip(p, ambiguous).filter { $0.1 }.map { Double($0.0) }
        let (meanClear, meanUnclear) = (clear.reduce(0, +) / Double(clear.count), unclear.reduce(0, +) / Double(unclear.count))
        #expect(meanClear > 0.9 && abs(meanUnclear - 0.5) < 0.2, "clear \(meanClear), ambiguous \(meanUnclear)")
        lines = []
        #expect(try RealTilt.probabilities(data: data, seed: 1, file: file, epochs: 15) { lines.append($0) } == p)
        #expect(lines.isEmpty, "read back without training: \(lines)")
        let otherSeed = try RealTilt.probabilities(data: data, seed: 2, file: file, epochs: 15) { lines.append($0) }
        #expect(otherSeed != p && lines.count == 2)
        #expect(throws: TrainingError.self) { try RealTilt.checkedNetwork(sampleShape: [2], classCount: 4) }
    }

    static func header(tilt: Double, steps: Int = 6) -> RefinementState.Header {
        var header = AdversarialRefinerTests.header(anchor: 0, steps: steps)
        header.configuration.realTilt = tilt
        return header
    }

    static func refiner(_ header: RefinementState.Header, checkpoint: String, tilt: [Float]?) throws -> Refiner {
        let (teacher, student) = RefinerTests.networks()
        let refiner = try Refiner(
            header: header, teacherNetwork: teacher, path: KacPath.Configuration(), studentWeights: student, checkpointPath: checkpoint,
            realData: AdversarialRefinerTests.data(), realTilt: tilt)
        refiner.checkpointEvery = 1
        return refiner
    }

    static let tilt: [Float] = (0..<64).map { Float($0 % 7 + 1) / 8 }

    @Test func aTiltedRunResumesExactlyAndNeedsItsProbabilities() throws {
        let directory = TemporaryDirectory()
        let whole = try Self.refiner(Self.header(tilt: 0.5), checkpoint: directory.file("whole.safetensors"), tilt: Self.tilt)
        try whole.run()
        let untilted = try Self.refiner(Self.header(tilt: 0), checkpoint: directory.file("flat.safetensors"), tilt: nil)
        try untilted.run()
        #expect(untilted.state.discriminator != whole.state.discriminator)
        let path = directory.file("killed.safetensors")
        let first = try Self.refiner(Self.header(tilt: 0.5), checkpoint: path, tilt: Self.tilt)
        first.interruptAfterFakeStep = 5
        #expect(throws: RefinementError.interrupted(step: 2)) { try first.run() }
        #expect(throws: RefinementError.self) { try Self.refiner(Self.header(tilt: 1), checkpoint: path, tilt: Self.tilt) }
        let resumed = try Self.refiner(Self.header(tilt: 0.5), checkpoint: path, tilt: Self.tilt)
        try resumed.run()
        RefinerTests.expectSameState(resumed.state, whole.state)
        #expect(resumed.state.discriminator == whole.state.discriminator)
        for (header, tilt) in [(Self.header(tilt: 0.5), nil), (Self.header(tilt: 0), Self.tilt), (Self.header(tilt: 0.5), [0.5])] {
            #expect(throws: RefinementError.self) { try Self.refiner(header, checkpoint: directory.file("new.safetensors"), tilt: tilt) }
        }
        var onTeacher = Self.header(tilt: 0.5).configuration
        onTeacher.realSamples = .teacher
        #expect(throws: RefinementError.self) { try onTeacher.validate() }
    }
}
