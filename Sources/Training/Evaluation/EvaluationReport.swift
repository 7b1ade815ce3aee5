// The result of `kac eval`: one row per (model, integrator, steps, guidance), as JSON (schema
// `kac-evaluation/1`, read back by `kac publish --evaluation`) and as an aligned text table, plus the
// real-data floor for images. Fields added since the first reports are optional, so old reports read.
// Invariant: rows keep the order they were evaluated in (models, then samplers, guidance, steps).
import Foundation
import KacFlow
import ModelStore
import Vocabulary

public struct EvaluationRow: Codable, Sendable, Equatable {
    /// "fashion-mnist/teacher@1" or a checkpoint path.
    public var model: String
    public var integrator: Integrator
    public var steps: Int
    public var guidance: Double
    /// Network evaluations per image (a guided evaluation counts two: conditional and null label).
    public var networkEvaluations: Int
    /// Fréchet distance on the classifier's penultimate features to the reference set (images only).
    public var frechetDistance: Double?
    /// Fréchet distance on the classifier's multi-layer features (`FeatureLayers.multi`).
    public var multiLayerFrechetDistance: Double?
    /// KID (unbiased MMD², cubic polynomial kernel) on the multi-layer features.
    public var multiLayerKernelDistance: Double?
    /// Fraction of samples the classifier assigns to the requested class (images only).
    public var classAccuracy: Double?
    /// The same per class, in label order (nil for a class no sample asked for); images only.
    public var classAccuracies: [Double?]?
    /// Sliced Wasserstein distance to fresh target samples (2-D data only).
    public var slicedWasserstein: Double?
    /// Samples per second of wall-clock generation time.
    public var imagesPerSecond: Double
    public var sampleCount: Int

    public init(
        model: String, integrator: Integrator, steps: Int, guidance: Double, networkEvaluations: Int,
        frechetDistance: Double? = nil, multiLayerFrechetDistance: Double? = nil,
        multiLayerKernelDistance: Double? = nil, classAccuracy: Double? = nil, slicedWasserstein: Double? = nil,
        imagesPerSecond: Double, sampleCount: Int
    ) {
        self.model = model
        self.integrator = integrator
        self.steps = steps
        self.guidance = guidance
        self.networkEvaluations = networkEvaluations
        self.frechetDistance = frechetDistance
        self.multiLayerFrechetDistance = multiLayerFrechetDistance
        self.multiLayerKernelDistance = multiLayerKernelDistance
        self.classAccuracy = classAccuracy
        self.slicedWasserstein = slicedWasserstein
        self.imagesPerSecond = imagesPerSecond
        self.sampleCount = sampleCount
    }

    /// The manifest form (`ModelDetails.evaluations`), naming the judge that measured it.
    public func manifestResult(judge: String?) -> EvaluationResult {
        EvaluationResult(
            steps: steps, integrator: integrator, guidanceScale: guidance,
            networkEvaluations: networkEvaluations, frechetDistance: frechetDistance,
            multiLayerFrechetDistance: multiLayerFrechetDistance,
            multiLayerKernelDistance: multiLayerKernelDistance, classAccuracy: classAccuracy,
            // Rows scored from saved samples (`--score-samples`) were not timed: 0 there, absent here.
            imagesPerSecond: imagesPerSecond > 0 ? imagesPerSecond : nil,
            sampleCount: sampleCount, judge: judge)
    }
}

public struct EvaluationReport: Codable, Sendable, Equatable {
    public static let currentSchema = "kac-evaluation/1"

    public var schema: String
    /// The judge ("fashion-mnist/classifier@1") or "sliced-wasserstein" for 2-D data.
    public var judge: String
    /// What generated samples are compared with ("fashion-mnist test (10000 images)").
    public var reference: String
    public var seed: UInt64
    public var rows: [EvaluationRow]
    /// Real training images scored like the samples (same count, seed and label cycle); images only.
    public var floor: RealDataFloor?
    /// The models' class names, for the per-class accuracy lines (nil: `class<k>`).
    public var classNames: [String]?

    public init(judge: String, reference: String, seed: UInt64, rows: [EvaluationRow], floor: RealDataFloor? = nil) {
        schema = Self.currentSchema
        self.judge = judge
        self.reference = reference
        self.seed = seed
        self.rows = rows
        self.floor = floor
    }

    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// Reads a report written by `json()`; a different schema is refused with what to do.
    public static func read(from path: String) throws -> EvaluationReport {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EvaluationError.badEvaluationFile(path: path, reason: "cannot be read")
        }
        struct Header: Decodable { var schema: String? }
        let schema = (try? JSONDecoder().decode(Header.self, from: data))?.schema
        guard schema == currentSchema else {
            throw EvaluationError.badEvaluationFile(
                path: path, reason: "schema \(schema ?? "missing"), this kac reads \(currentSchema) (upgrade kac or re-run the evaluation)")
        }
        do {
            return try JSONDecoder().decode(EvaluationReport.self, from: data)
        } catch {
            throw EvaluationError.badEvaluationFile(path: path, reason: Reason(cause: error))
        }
    }

    /// Rows as an aligned table: text columns left-aligned, numbers right-aligned; the real-data
    /// floor, if any, as a last row. KID is printed ×1000.
    public func table() -> String {
        let header = ["model", "sampler", "steps", "guidance", "NFE", "FD", "FD multi", "KID×1e3", "class acc", "SW", "img/s"]
        func quality(_ fd: Double?, _ multiFD: Double?, _ kid: Double?, _ accuracy: Double?) -> [String] {
            [
                fd.map { Self.format($0, "%.3f") } ?? "-", multiFD.map { Self.format($0, "%.3f") } ?? "-",
                kid.map { Self.format($0 * 1000, "%.2f") } ?? "-", accuracy.map { Self.format($0 * 100, "%.1f %%") } ?? "-",
            ]
        }
        var cells: [[String]] = rows.map { row in
            [
                row.model, row.integrator.rawValue, String(row.steps), Self.format(row.guidance, "%.2f"),
                String(row.networkEvaluations),
            ]
                + quality(row.frechetDistance, row.multiLayerFrechetDistance, row.multiLayerKernelDistance, row.classAccuracy)
                + [row.slicedWasserstein.map { Self.format($0, "%.4f") } ?? "-", Self.format(row.imagesPerSecond, "%.1f")]
        }
        if let floor {
            cells.append(
                ["real images (floor)", "-", "-", "-", "-"]
                    + quality(
                        floor.frechetDistance, floor.multiLayerFrechetDistance, floor.multiLayerKernelDistance,
                        floor.classAccuracy) + ["-", "-"])
        }
        // Drop columns that are empty in every row (FD and class accuracy for 2-D data, SW for images).
        let keep = header.indices.filter { column in !cells.allSatisfy { $0[column] == "-" } || cells.isEmpty }
        let leftAligned: Set<Int> = [0, 1]
        var widths = header.map(\.count)
        for row in cells { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        func line(_ row: [String]) -> String {
            keep.map { i in
                let padding = String(repeating: " ", count: widths[i] - row[i].count)
                return leftAligned.contains(i) ? row[i] + padding : padding + row[i]
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        let perClass = rows.compactMap { row in
            row.classAccuracies.map { "  \(row.model) \(row.integrator.rawValue)×\(row.steps): " + ClassBalance.describe($0, classNames: classNames ?? []) }
        }
        let classLines = perClass.isEmpty ? [] : ["class accuracy per class (samples the judge assigns to the class asked for):"] + perClass
        return ([line(header)] + cells.map(line) + classLines).joined(separator: "\n") + "\n"
    }

    static func format(_ value: Double, _ format: String) -> String { String(format: format, value) }
}
