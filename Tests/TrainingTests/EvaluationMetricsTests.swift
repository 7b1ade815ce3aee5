// Evaluation figures on real data: Fréchet distance of a feature set with itself is ~0 and grows
// with a shift (closed form d·δ² for a translated copy), a tiny classifier trained here judges the
// real test images sensibly, and the reference-statistics cache is keyed by the classifier's weights.
import Foundation
import NeuralNet
import TensorCore
import TestSupport
import Testing
import Training

@Suite struct EvaluationMetricsTests {
    static func gaussianFeatures(_ n: Int, _ d: Int, seed: UInt64, shift: Float = 0) -> Tensor {
        var random = RandomSource(seed: seed)
        return Tensor(shape: [n, d], scalars: (0..<(n * d)).map { Float(random.normal()) * Float(1 + $0 % d) * 0.3 + shift })
    }

    @Test func frechetDistanceIsZeroForItselfAndGrowsWithAShift() {
        let (n, d) = (400, 16)
        let features = Self.gaussianFeatures(n, d, seed: 5)
        // Same covariance, so only ‖δ·1‖² = d·δ² remains; sqrt of a PSD product costs ~1e-10 in Double.
        #expect(FrechetDistance.distance(features, features) < 1e-6)
        var previous = 0.0
        for shift: Float in [0.1, 0.3, 1.0] {
            let moved = Tensor(shape: features.shape, scalars: features.scalars.map { $0 + shift })
            let distance = FrechetDistance.distance(features, moved)
            #expect(abs(distance - Double(d) * Double(shift * shift)) < 1e-3 * Double(d), "shift \(shift): FD \(distance)")
            #expect(distance > previous)
            previous = distance
        }
        // Two independent draws of one distribution are close but not equal; a scaled copy is far.
        let other = Self.gaussianFeatures(n, d, seed: 6)
        let sampling = FrechetDistance.distance(features, other)
        let scaled = FrechetDistance.distance(features, Tensor(shape: features.shape, scalars: features.scalars.map { $0 * 2 }))
        #expect(sampling > 0 && sampling < scaled / 5, "sampling noise \(sampling), scaled \(scaled)")
    }

    /// A small classifier trained on 6,000 training images for two epochs (a few seconds).
    static func tinyClassifier() throws -> (ImageClassifier, LabeledDataset) {
        let train = try FashionMNIST.load(.train)
        let test = try FashionMNIST.load(.test)
        let subset = train.batch(indices: Array(0..<6000))
        let configuration = ClassifierTrainingConfiguration(
            network: ImageClassifierConfiguration(
                imageHeight: 28, imageWidth: 28, imageChannels: 1, widths: [8, 16],
                hiddenWidth: 32, groupCount: 4, classCount: 10),
            epochs: 2, batchSize: 64, learningRate: 3e-3, maximumShift: 1, seed: 3)
        let trainer = ClassifierTrainer(
            configuration: configuration,
            dataset: LabeledDataset(samples: subset.samples, labels: subset.labels, classNames: train.classNames))
        try trainer.run(progress: nil)
        let held = test.batch(indices: Array(0..<1000))
        return (
            trainer.classifier,
            LabeledDataset(samples: held.samples, labels: held.labels, classNames: test.classNames)
        )
    }

    @Test func tinyClassifierJudgesRealTestImagesSensibly() throws {
        let (classifier, test) = try Self.tinyClassifier()
        let accuracy = classifier.accuracy(test.samples, labels: test.labels)
        // Chance is 10 %; this budget reaches ~80 %; 70 % leaves room for BLAS-order differences.
        #expect(accuracy > 0.7, "tiny classifier test accuracy \(accuracy)")

        let halves = (Array(0..<500), Array(500..<1000))
        let first = test.batch(indices: halves.0)
        let reference = try ReferenceStatistics.features(
            classifier: classifier, images: first.samples, labels: first.labels,
            cacheDirectory: nil
        ).reference
        let evaluator = SampleEvaluator(judge: .classifier(classifier, reference: reference), sampleCount: 500, seed: 1)
        let real = test.batch(indices: halves.1)
        var row = EvaluationRow(
            model: "real", integrator: .euler, steps: 1, guidance: 1, networkEvaluations: 1,
            imagesPerSecond: 1, sampleCount: 500)
        evaluator.score(real.samples, labels: real.labels, into: &row)
        #expect(row.classAccuracy == classifier.accuracy(real.samples, labels: real.labels))
        // Asking for the wrong class (label + 1) must be judged mostly wrong.
        var wrong = row
        evaluator.score(real.samples, labels: real.labels.map { ($0 + 1) % 10 }, into: &wrong)
        #expect((wrong.classAccuracy ?? 1) < 0.2)
        // Real images vs real images: small FD; blurred-to-noise images: much larger.
        var random = RandomSource(seed: 9)
        let noise = Tensor(shape: real.samples.shape, scalars: real.samples.scalars.map { 0.5 * $0 + Float(random.normal()) * 0.5 })
        var noisy = row
        evaluator.score(noise, labels: real.labels, into: &noisy)
        let realFD = try #require(row.frechetDistance), noisyFD = try #require(noisy.frechetDistance)
        #expect(realFD * 5 < noisyFD, "FD real \(realFD), noisy \(noisyFD)")
    }

    @Test func referenceStatisticsAreCachedPerClassifier() throws {
        let directory = TemporaryDirectory()
        var random = RandomSource(seed: 4)
        let configuration = ImageClassifierConfiguration(
            imageHeight: 8, imageWidth: 8, imageChannels: 1, widths: [4, 8],
            hiddenWidth: 6, groupCount: 2, classCount: 3)
        let classifier = ImageClassifier(configuration: configuration, random: &random)
        let images = Tensor(shape: [20, 8, 8, 1], scalars: (0..<1280).map { _ in Float(random.normal()) })
        let labels = (0..<20).map { $0 % 3 }
        func reference() throws -> (reference: ReferenceFeatures, cached: Bool) {
            try ReferenceStatistics.features(classifier: classifier, images: images, labels: labels, cacheDirectory: directory.path)
        }
        let first = try reference()
        let second = try reference()
        #expect(!first.cached && second.cached && first.reference.penultimate == second.reference.penultimate)
        #expect(first.reference.multi == second.reference.multi && first.reference.multiKernel == second.reference.multiKernel)
        classifier.parameters.tensors[0].scalars[0] += 1
        let changed = try reference()
        #expect(!changed.cached && changed.reference.penultimate != first.reference.penultimate)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).count == 2)
    }
}
