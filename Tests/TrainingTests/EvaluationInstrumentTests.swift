// The multi-layer image judge: KID (unbiased MMD², cubic kernel) is ~0 for one distribution and grows
// with a mean shift, agrees with a plain Double loop, and with class labels loses the negative bias
// that class-balanced sets give it; multi-layer features have the documented width and keep the
// penultimate block (so the old FD column cannot move); the reference cache refuses a stale schema.
import Foundation
import ModelStore
import NeuralNet
import TensorCore
import TestSupport
import Testing
import Training

@Suite struct EvaluationInstrumentTests {
    static func gaussian(_ n: Int, _ d: Int, seed: UInt64, shift: Float = 0) -> Tensor {
        var random = RandomSource(seed: seed)
        return Tensor(shape: [n, d], scalars: (0..<(n * d)).map { _ in Float(random.normal()) + shift })
    }

    /// The estimator written out pair by pair in Double, no BLAS.
    static func plainKernelDistance(_ x: Tensor, _ y: Tensor) -> Double {
        let (m, n, d) = (x.shape[0], y.shape[0], x.shape[1])
        func k(_ a: Tensor, _ i: Int, _ b: Tensor, _ j: Int) -> Double {
            var dot = 0.0
            for c in 0..<d { dot += Double(a.scalars[i * d + c]) * Double(b.scalars[j * d + c]) }
            return pow(dot / Double(d) + 1, 3)
        }
        var xx = 0.0, yy = 0.0, xy = 0.0
        for i in 0..<m { for j in 0..<m where i != j { xx += k(x, i, x, j) } }
        for i in 0..<n { for j in 0..<n where i != j { yy += k(y, i, y, j) } }
        for i in 0..<m { for j in 0..<n { xy += k(x, i, y, j) } }
        return xx / Double(m * (m - 1)) + yy / Double(n * (n - 1)) - 2 * xy / Double(m * n)
    }

    @Test func kernelDistanceIsNearZeroForOneDistributionAndGrowsWithAShift() {
        let (n, d) = (500, 16)
        let features = Self.gaussian(n, d, seed: 1)
        // Identical sets: only the diagonal terms the cross mean keeps and the within means drop
        // remain, −2/n·(mean k(x,x) − mean k(x,x′)) ≈ −2/500·(2³ − 1) ≈ −0.03 at d = 16 for N(0, I).
        let itself = KernelDistance.distance(features, features)
        #expect(abs(itself) < 0.05, "KID of a set with itself \(itself)")
        // An independent draw of the same distribution: 0 in expectation; its standard error here is ~0.01.
        let other = KernelDistance.distance(features, Self.gaussian(n, d, seed: 2))
        #expect(abs(other) < 0.05, "KID of two draws \(other)")
        var previous = other
        for shift: Float in [0.25, 0.5, 1] {
            let moved = KernelDistance.distance(features, Self.gaussian(n, d, seed: 2, shift: shift))
            #expect(moved > previous + 0.05, "shift \(shift): KID \(moved) after \(previous)")
            previous = moved
        }
    }

    @Test func kernelDistanceMatchesAPlainLoop() {
        // More rows than one sgemm block (256) so the blocking is exercised.
        let x = Self.gaussian(300, 7, seed: 3), y = Self.gaussian(90, 7, seed: 4, shift: 0.3)
        let fast = KernelDistance.distance(x, y), plain = Self.plainKernelDistance(x, y)
        // sgemm rounds each dot product to Float (~1e-7 relative); the cubes and sums are Double.
        #expect(abs(fast - plain) < 1e-5 * max(abs(plain), 1), "BLAS \(fast), plain loop \(plain)")
        let reference = KernelReference(features: y)
        #expect(KernelDistance.distance(x, reference: reference) == fast)
    }

    /// Four well-separated classes in 8-D, `perClass` of each in label order 0, 1, 2, 3, 0, …
    static func balancedMixture(perClass: Int, seed: UInt64) -> (features: Tensor, labels: [Int]) {
        var random = RandomSource(seed: seed)
        let (classes, d) = (4, 8)
        let labels = (0..<(classes * perClass)).map { $0 % classes }
        var scalars: [Float] = []
        for label in labels {
            for c in 0..<d { scalars.append(Float(random.normal()) + (c % classes == label ? 4 : 0)) }
        }
        return (Tensor(shape: [labels.count, d], scalars: scalars), labels)
    }

    @Test func classLabelsRemoveTheBiasOfBalancedSets() {
        // Balanced sets of 40 hold (10 − 1)/(40 − 1) = 23 % same-class pairs where i.i.d. draws hold
        // 25 %, so the plain within-set mean runs low and two draws of one distribution score below
        // 0 on average; the class-weighted mean does not. 30 draws against one reference of 2,000.
        let reference = Self.balancedMixture(perClass: 500, seed: 100)
        let plainReference = KernelReference(features: reference.features)
        let weightedReference = KernelReference(features: reference.features, labels: reference.labels)
        var plain: [Double] = [], weighted: [Double] = []
        for seed in 0..<30 {
            let draw = Self.balancedMixture(perClass: 10, seed: UInt64(seed))
            plain.append(KernelDistance.distance(draw.features, reference: plainReference))
            weighted.append(KernelDistance.distance(draw.features, labels: draw.labels, reference: weightedReference))
        }
        func mean(_ v: [Double]) -> Double { v.reduce(0, +) / Double(v.count) }
        func standardError(_ v: [Double]) -> Double {
            let m = mean(v)
            return (v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count - 1) / Double(v.count)).squareRoot()
        }
        #expect(mean(plain) < -4 * standardError(plain), "plain KID \(mean(plain)) ± \(standardError(plain))")
        #expect(abs(mean(weighted)) < 3 * standardError(weighted), "weighted KID \(mean(weighted)) ± \(standardError(weighted))")
    }

    static func smallClassifier() -> ImageClassifier {
        var random = RandomSource(seed: 4)
        let configuration = ImageClassifierConfiguration(
            imageHeight: 8, imageWidth: 8, imageChannels: 1, widths: [4, 8],
            hiddenWidth: 6, groupCount: 2, classCount: 3)
        return ImageClassifier(configuration: configuration, random: &random)
    }

    static func images(_ n: Int, seed: UInt64) -> Tensor {
        var random = RandomSource(seed: seed)
        return Tensor(shape: [n, 8, 8, 1], scalars: (0..<(n * 64)).map { _ in Float(random.normal()) })
    }

    @Test func multiLayerFeaturesHaveTheDocumentedWidthAndKeepThePenultimateBlock() {
        let classifier = Self.smallClassifier()
        // Stages 8×8×4, 4×4×4, 4×4×8, 2×2×8: a mean and a deviation per channel, then 6 penultimate.
        #expect(classifier.stageShapes.map { [$0.height, $0.width, $0.channels] } == [[8, 8, 4], [4, 4, 4], [4, 4, 8], [2, 2, 8]])
        #expect(classifier.featureDimension(.penultimate) == 6)
        #expect(classifier.featureDimension(.multi) == 2 * (4 + 4 + 8 + 8) + 6)
        let images = Self.images(7, seed: 5)
        let features = classifier.imageFeatures(images, batchSize: 500)
        #expect(features.penultimate.shape == [7, 6] && features.multi.shape == [7, 54])
        // The old FD's input, bit for bit: the penultimate features, and the last 6 columns of multi.
        #expect(features.penultimate == classifier.features(images, batchSize: 500))
        // Batches of 3 (the last one short) give the same rows, up to BLAS blocking order.
        let batched = classifier.imageFeatures(images, batchSize: 3)
        #expect(zip(batched.multi.scalars, features.multi.scalars).allSatisfy { abs($0 - $1) < 1e-5 })
        for row in 0..<7 {
            #expect(
                Array(features.multi.scalars[(row * 54 + 48)..<(row * 54 + 54)])
                    == Array(features.penultimate.scalars[(row * 6)..<(row * 6 + 6)]))
        }
        let taps = classifier.featureTaps(images)
        #expect(taps.stages.map(\.shape) == [[7, 8, 8, 4], [7, 4, 4, 4], [7, 4, 4, 8], [7, 2, 2, 8]])
    }

    @Test func poolingTakesEachChannelsSpatialMeanAndDeviation() {
        // One image, 2×2 positions, 2 channels: channel 0 holds 1, 2, 3, 4; channel 1 holds 5 everywhere.
        let activations = Tensor(shape: [1, 2, 2, 2], scalars: [1, 5, 2, 5, 3, 5, 4, 5])
        let pooled = FeaturePooling.meanAndDeviation(activations)
        #expect(pooled.shape == [1, 4])
        #expect(pooled.scalars[0] == 2.5 && pooled.scalars[1] == 5 && pooled.scalars[3] == 0)
        #expect(abs(pooled.scalars[2] - Float(1.25).squareRoot()) < 1e-6)
    }

    @Test func referenceCacheRefusesAStaleSchema() throws {
        let directory = TemporaryDirectory()
        let classifier = Self.smallClassifier()
        let images = Self.images(20, seed: 6)
        let labels = (0..<20).map { $0 % 3 }
        func reference() throws -> (reference: ReferenceFeatures, cached: Bool) {
            try ReferenceStatistics.features(classifier: classifier, images: images, labels: labels, cacheDirectory: directory.path)
        }
        let first = try reference()
        #expect(!first.cached)
        let path = ReferenceStatistics.cachePath(
            key: ReferenceStatistics.key(classifier: classifier, images: images, labels: labels),
            cacheDirectory: directory.path)
        var checkpoint = try Safetensors.read(from: path)
        #expect(checkpoint.metadata["schema"] == "kac-reference-statistics/2")
        #expect(try reference().cached)

        // The same file claiming the old schema is recomputed and rewritten, not read.
        checkpoint.metadata["schema"] = "kac-reference-statistics/1"
        try Safetensors.write(checkpoint, to: path)
        let stale = try reference()
        #expect(!stale.cached && stale.reference.multiKernel == first.reference.multiKernel)
        #expect(try Safetensors.read(from: path).metadata["schema"] == "kac-reference-statistics/2")

        // Features of the wrong width under the right schema and key are refused too, and so is garbage.
        checkpoint.metadata["schema"] = "kac-reference-statistics/2"
        checkpoint.tensors = checkpoint.tensors.map { NamedTensor(name: $0.name, shape: [20, 1], values: Array($0.values.prefix(20))) }
        try Safetensors.write(checkpoint, to: path)
        #expect(try !reference().cached)
        try Data("not a cache".utf8).write(to: URL(fileURLWithPath: path))
        #expect(try !reference().cached)
        #expect(try reference().cached)
    }
}
