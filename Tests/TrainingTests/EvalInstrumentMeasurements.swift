// The measurement behind `kac eval`'s feature choice: samples saved by `kac eval --save-samples DIR`
// (teacher and students, several seeds) and balanced real training subsets are scored under several
// feature variants of the evaluation classifier, with FD and KID, and printed as one table per
// variant (per model: mean over seeds, spread, ratio to the teacher, excess over the real floor).
// Not a CI test: it runs only with KAC_EVAL_MEASURE=DIR (the --save-samples directory);
// KAC_EVAL_ZOO (default: the repository's zoo), KAC_EVAL_VARIANTS (comma-separated names) optional.
import Foundation
import ModelStore
import NeuralNet
import TensorCore
import Testing
import Training

@Suite(.serialized) struct EvalInstrumentMeasurements {
    static let directory = ProcessInfo.processInfo.environment["KAC_EVAL_MEASURE"]
    static let zoo =
        ProcessInfo.processInfo.environment["KAC_EVAL_ZOO"]
        ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path + "/zoo"
    static let only = ProcessInfo.processInfo.environment["KAC_EVAL_VARIANTS"].map { Set($0.split(separator: ",").map(String.init)) }

    struct Variant: Sendable {
        var name: String
        var make: @Sendable (ImageClassifier.FeatureTaps) -> Tensor
    }

    static func concatenate(_ blocks: [Tensor]) -> Tensor {
        let n = blocks[0].shape[0], width = blocks.reduce(0) { $0 + $1.shape[1] }
        var scalars: [Float] = []
        scalars.reserveCapacity(n * width)
        for row in 0..<n {
            for block in blocks { scalars += block.scalars[(row * block.shape[1])..<((row + 1) * block.shape[1])] }
        }
        return Tensor(shape: [n, width], scalars: scalars)
    }

    static func means(_ t: Tensor) -> Tensor {
        let pooled = FeaturePooling.meanAndDeviation(t), c = t.shape[3]
        return concatenate([pooled]).columns(0..<c)
    }

    static let variants: [Variant] = {
        var list = [Variant(name: "penultimate", make: { $0.penultimate })]
        for k in 0..<4 {
            list.append(Variant(name: "mean\(k)", make: { means($0.stages[k]) }))
            list.append(Variant(name: "meanstd\(k)", make: { FeaturePooling.meanAndDeviation($0.stages[k]) }))
        }
        list.append(Variant(name: "means+pen", make: { taps in concatenate(taps.stages.map(means) + [taps.penultimate]) }))
        list.append(Variant(name: "meanstd-all", make: { taps in concatenate(taps.stages.map(FeaturePooling.meanAndDeviation)) }))
        list.append(
            Variant(
                name: "meanstd+pen",
                make: { taps in
                    concatenate(taps.stages.map(FeaturePooling.meanAndDeviation) + [taps.penultimate])
                }))
        return list
    }()

    /// z-scores each column with the reference's mean and standard deviation.
    struct Standardizer {
        var mean: [Float], scale: [Float]
        init(_ reference: Tensor) {
            let statistics = FeatureStatistics(features: reference), d = statistics.dimension
            mean = statistics.mean.map(Float.init)
            scale = (0..<d).map { Float(1 / max(statistics.covariance[$0 * d + $0], 1e-12).squareRoot()) }
        }
        func apply(_ t: Tensor) -> Tensor {
            let d = mean.count
            return Tensor(shape: t.shape, scalars: t.scalars.enumerated().map { ($1 - mean[$0 % d]) * scale[$0 % d] })
        }
    }

    /// Features of every variant for `images`, in batches of 500.
    static func features(_ classifier: ImageClassifier, _ images: Tensor, _ variants: [Variant]) -> [Tensor] {
        let n = images.shape[0], perImage = images.count / n
        var parts: [[Tensor]] = Array(repeating: [], count: variants.count)
        var start = 0
        while start < n {
            let end = min(start + 500, n)
            let taps = classifier.featureTaps(
                Tensor(
                    shape: [end - start] + Array(images.shape.dropFirst()),
                    scalars: Array(images.scalars[(start * perImage)..<(end * perImage)])))
            for (index, variant) in variants.enumerated() { parts[index].append(variant.make(taps)) }
            start = end
        }
        return parts.map { blocks in
            Tensor(shape: [n, blocks[0].shape[1]], scalars: blocks.flatMap(\.scalars))
        }
    }

    @Test(.enabled(if: directory != nil)) func table() throws {
        let directory = try #require(Self.directory)
        let record = try ClassifierRecord.load("fashion-mnist/classifier", from: try ModelStore(root: Self.zoo, create: false))
        let classifier = record.classifier
        let variants = Self.variants.filter { Self.only?.contains($0.name) ?? true }
        let test = try FashionMNIST.load(.test), train = try FashionMNIST.load(.train)
        var started = Date()
        let rawReference = Self.features(classifier, test.samples, variants)
        // Every variant twice: as is, then z-scored with the reference's per-column mean and deviation.
        let standardizers = rawReference.map(Standardizer.init)
        let referenceFeatures = rawReference + zip(standardizers, rawReference).map { $0.apply($1) }
        let names = variants.map(\.name) + variants.map { "z:" + $0.name }
        let statistics = referenceFeatures.map { FeatureStatistics(features: $0) }
        let kernels = referenceFeatures.map { KernelReference(features: $0) }
        let classKernels = referenceFeatures.map { KernelReference(features: $0, labels: test.labels) }
        print(String(format: "reference features and kernels: %.1f s", Date().timeIntervalSince(started)))

        // Rows: (model, seed, images, labels).
        var rows: [(model: String, seed: String, images: Tensor, labels: [Int])] = []
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".safetensors") }.sorted()
        for file in files {
            let checkpoint = try Safetensors.read(from: directory + "/" + file)
            let samples = try #require(checkpoint["samples"]), labels = try #require(checkpoint["labels"])
            let model = (checkpoint.metadata["model"] ?? file) + " " + (checkpoint.metadata["steps"] ?? "")
            rows.append(
                (
                    model, checkpoint.metadata["seed"] ?? "?", Tensor(shape: samples.shape, scalars: samples.values),
                    labels.values.map { Int($0) }
                ))
        }
        let n = rows.first?.images.shape[0] ?? 1000
        for seed: UInt64 in [7, 8, 9] {
            let real = RealDataFloor.subset(of: train, count: n, seed: seed)
            rows.append(("real-train", String(seed), real.images, real.labels))
        }

        // scores[variant][row] = (FD, KID, class-weighted KID)
        var scores = Array(repeating: [(fd: Double, kid: Double, classKID: Double)](), count: names.count)
        for row in rows {
            started = Date()
            let raw = Self.features(classifier, row.images, variants)
            let features = raw + zip(standardizers, raw).map { $0.apply($1) }
            for index in names.indices {
                scores[index].append(
                    (
                        FrechetDistance.distance(FeatureStatistics(features: features[index]), statistics[index]),
                        KernelDistance.distance(features[index], reference: kernels[index]),
                        KernelDistance.distance(features[index], labels: row.labels, reference: classKernels[index])
                    ))
            }
            print(String(format: "scored %@ seed %@ (%.1f s)", row.model, row.seed, Date().timeIntervalSince(started)))
        }
        for (index, name) in names.enumerated() {
            print("\n== \(name) (d = \(statistics[index].dimension))")
            var models: [String] = []
            for row in rows where !models.contains(row.model) { models.append(row.model) }
            typealias Scores = (fd: Double, kid: Double, classKID: Double)
            func values(_ model: String, _ pick: (Scores) -> Double) -> [Double] {
                rows.indices.filter { rows[$0].model == model }.map { pick(scores[index][$0]) }
            }
            let teacher = models.first { $0.contains("teacher") }
            func line(_ label: String, _ model: String, _ pick: (Scores) -> Double) -> String {
                let v = values(model, pick), floor = mean(values("real-train", pick))
                let t = teacher.map { mean(values($0, pick)) } ?? .nan
                // Paired spread: the same seed gives every model the same starting noise and labels.
                let paired =
                    teacher.map { teacherModel in
                        deviation(zip(v, values(teacherModel, pick)).map { $0 - $1 })
                    } ?? .nan
                return String(
                    format: "%@ %@ mean %9.4f sd %7.4f ×%5.2f excess×%5.2f (m-t)/sd %5.1f paired-sd %7.4f",
                    label as NSString, v.map { String(format: "%9.4f", $0) }.joined(separator: " ") as NSString,
                    mean(v), deviation(v), mean(v) / t, (mean(v) - floor) / (t - floor),
                    (mean(v) - t) / max(deviation(v), 1e-12), paired)
            }
            for model in models {
                print(model)
                print(line("   FD      ", model) { $0.fd })
                print(line("   KID×1e3 ", model) { $0.kid * 1000 })
                print(line("   cKID×1e3", model) { $0.classKID * 1000 })
            }
        }
    }

    func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(max(values.count, 1)) }

    /// Sample standard deviation (n − 1).
    func deviation(_ values: [Double]) -> Double {
        guard values.count > 1 else { return 0 }
        let m = mean(values)
        return (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(values.count - 1)).squareRoot()
    }
}

private extension Tensor {
    /// Columns `range` of a [N, d] tensor.
    func columns(_ range: Range<Int>) -> Tensor {
        let (n, d) = (shape[0], shape[1])
        var scalars: [Float] = []
        scalars.reserveCapacity(n * range.count)
        for row in 0..<n { scalars += self.scalars[(row * d + range.lowerBound)..<(row * d + range.upperBound)] }
        return Tensor(shape: [n, range.count], scalars: scalars)
    }
}
