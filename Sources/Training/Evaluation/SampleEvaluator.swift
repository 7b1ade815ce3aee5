// Judging a velocity model at one sampling setting (issue 3 item 4): generate `sampleCount` samples
// with labels cycling through the classes and a fixed seed, time the generation (wall clock), then
// score them — images by the classifier (Fréchet distance of penultimate features to the reference
// statistics, the same on multi-layer features, KID on multi-layer features, fraction assigned to
// the requested class), 2-D points by sliced Wasserstein distance.
// Invariant: the same model, setting, seed and count give the same samples (Generator's per-image streams).
import Foundation
import Generation
import NeuralNet
import TensorCore
import Vocabulary

/// How generated samples are scored.
public enum SampleJudge {
    /// Classifier features against reference features (e.g. of the 10,000 test images).
    case classifier(ImageClassifier, reference: ReferenceFeatures)
    /// Sliced Wasserstein distance to target points [N, d] (fresh samples of the toy distribution).
    case slicedWasserstein(target: Tensor)
}

public struct SampleEvaluator {
    public var judge: SampleJudge
    public var sampleCount: Int
    public var seed: UInt64
    /// Images per generator call; results do not depend on it, only memory and speed do.
    public var batchSize: Int
    /// Seconds since some fixed point; injected so tests can pin the timing.
    public var clock: () -> Double

    public init(
        judge: SampleJudge, sampleCount: Int, seed: UInt64, batchSize: Int = 100,
        clock: @escaping () -> Double = { Date().timeIntervalSinceReferenceDate }
    ) {
        precondition(sampleCount >= 2 && batchSize >= 1, "SampleEvaluator needs at least 2 samples and batches of ≥ 1")
        self.judge = judge
        self.sampleCount = sampleCount
        self.seed = seed
        self.batchSize = batchSize
        self.clock = clock
    }

    /// Labels 0, 1, …, classCount − 1, 0, 1, … for `sampleCount` samples.
    public func labels(classCount: Int) -> [Int] { (0..<sampleCount).map { $0 % classCount } }

    /// Generates and scores one row. `onBatch(done)` reports samples generated so far; `onSamples`
    /// receives the generated samples [N, …] and their labels before they are scored.
    public func evaluate(
        _ generator: Generator, model: String, settings: SamplingSettings,
        onBatch: ((Int) -> Void)? = nil, onSamples: ((Tensor, [Int]) -> Void)? = nil
    ) -> EvaluationRow {
        let labels = self.labels(classCount: generator.nullLabel)
        var scalars: [Float] = []
        var evaluations = 0
        let started = clock()
        var first = 0
        while first < sampleCount {
            let batch = Array(labels[first..<min(first + batchSize, sampleCount)])
            let result = generator.generate(labels: batch, seed: seed, firstIndex: first, settings: settings)
            scalars += result.samples.scalars
            evaluations = result.evaluations
            first += batch.count
            onBatch?(first)
        }
        let seconds = max(clock() - started, 1e-9)
        let samples = Tensor(shape: [sampleCount] + generator.sampleShape, scalars: scalars)
        onSamples?(samples, labels)
        var row = EvaluationRow(
            model: model, integrator: settings.integrator, steps: settings.steps,
            guidance: settings.guidance, networkEvaluations: evaluations,
            imagesPerSecond: Double(sampleCount) / seconds, sampleCount: sampleCount)
        score(samples, labels: labels, into: &row)
        return row
    }

    /// Fills the quality columns of `row` for `samples` drawn for `labels`.
    public func score(_ samples: Tensor, labels: [Int], into row: inout EvaluationRow) {
        switch judge {
        case .classifier(let classifier, let reference):
            let scores = ImageScores(samples, labels: labels, classifier: classifier, reference: reference)
            row.frechetDistance = scores.frechetDistance
            row.multiLayerFrechetDistance = scores.multiLayerFrechetDistance
            row.multiLayerKernelDistance = scores.multiLayerKernelDistance
            row.classAccuracy = scores.classAccuracy
            row.classAccuracies = scores.classAccuracies
        case .slicedWasserstein(let target):
            let points = samples.reshaped([samples.shape[0], samples.count / samples.shape[0]])
            row.slicedWasserstein = SlicedWasserstein.distance(points, target, projections: 256, seed: seed)
        }
    }

    /// The real-data floor: `sampleCount` real images drawn from `dataset` with this evaluator's
    /// seed and label cycle, scored like generated samples; nil for a 2-D judge.
    public func floor(_ dataset: LabeledDataset, source: String) -> RealDataFloor? {
        guard case .classifier(let classifier, let reference) = judge else { return nil }
        let (images, labels) = RealDataFloor.subset(of: dataset, count: sampleCount, seed: seed)
        let scores = ImageScores(images, labels: labels, classifier: classifier, reference: reference)
        return RealDataFloor(
            source: source, sampleCount: sampleCount, frechetDistance: scores.frechetDistance,
            multiLayerFrechetDistance: scores.multiLayerFrechetDistance,
            multiLayerKernelDistance: scores.multiLayerKernelDistance, classAccuracy: scores.classAccuracy)
    }
}

/// One image set's quality figures under the classifier judge.
struct ImageScores {
    var frechetDistance: Double
    var multiLayerFrechetDistance: Double
    var multiLayerKernelDistance: Double
    var classAccuracy: Double
    /// Per class asked for: the fraction the classifier assigns to it (nil: no sample asked for it).
    var classAccuracies: [Double?]

    init(_ images: Tensor, labels: [Int], classifier: ImageClassifier, reference: ReferenceFeatures) {
        let features = classifier.imageFeatures(images, batchSize: 500)
        frechetDistance = FrechetDistance.distance(FeatureStatistics(features: features.penultimate), reference.penultimate)
        let multi = reference.standardizedMulti(features.multi)
        multiLayerFrechetDistance = FrechetDistance.distance(FeatureStatistics(features: multi), reference.multi)
        multiLayerKernelDistance = KernelDistance.distance(multi, labels: labels, reference: reference.multiKernel)
        // A second forward pass: the classifier's last layer is not public, and it is cheap.
        let predictions = classifier.predictions(images)
        classAccuracy = Double(zip(predictions, labels).filter { $0 == $1 }.count) / Double(max(labels.count, 1))
        classAccuracies = ClassBalance.accuracyPerClass(
            predictions: predictions, labels: labels, classCount: classifier.configuration.classCount)
    }
}
