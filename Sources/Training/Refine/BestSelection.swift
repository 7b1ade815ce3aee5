// Which evaluation of a refinement run is the best one (`kac refine --keep-best`,
// docs/one-step-refinement.md "Keeping the best weights"). The instrument is the SECOND classifier,
// never the judge the results are reported by, so selecting cannot tune to the judge. The rule reads
// one evaluation at a time, because only the kept weights are stored:
//   an evaluation is eligible when its class accuracy is within `accuracyMargin` (0.01) of the best
//   accuracy seen so far (itself included); an eligible evaluation replaces the kept one when its FD
//   is lower, or when the kept one is no longer eligible (its accuracy fell more than the margin
//   behind the best seen).
// So the kept evaluation is always eligible, and among the evaluations that were eligible when they
// were made and still are, it has the lowest FD except where an older one was passed over before a
// later rise in the best accuracy made the kept one ineligible (then the newest eligible one wins).
import Foundation

public struct BestSelection: Codable, Sendable, Equatable {
    /// How far below the best accuracy seen an evaluation's accuracy may be and still be eligible.
    public static let accuracyMargin = 0.01
    /// The rule in words, recorded with the kept weights and in the published lineage.
    public static let rule =
        "lowest FD by the second classifier among evaluations whose class accuracy by it is within 0.01 of the best accuracy seen so far"

    /// One evaluation as the selection sees it.
    public struct Candidate: Codable, Sendable, Equatable {
        public var step: Int
        /// By the selection instrument (the second classifier).
        public var frechetDistance: Double
        public var classAccuracy: Double
        public init(step: Int, frechetDistance: Double, classAccuracy: Double) {
            (self.step, self.frechetDistance, self.classAccuracy) = (step, frechetDistance, classAccuracy)
        }
    }

    /// The highest accuracy of any evaluation considered (nil before the first).
    public private(set) var bestAccuracy: Double?
    /// The evaluation whose weights are kept.
    public private(set) var kept: Candidate?

    public init() {}

    /// Reads one evaluation; returns true when it becomes the kept one (its weights are to be written).
    /// Non-finite figures change nothing.
    public mutating func consider(_ candidate: Candidate) -> Bool {
        guard candidate.frechetDistance.isFinite, candidate.classAccuracy.isFinite else { return false }
        let best = max(bestAccuracy ?? candidate.classAccuracy, candidate.classAccuracy)
        bestAccuracy = best
        // 1e-9: accuracies are fractions of a sample count, so 0.935 is within 0.01 of 0.945 despite rounding.
        func eligible(_ c: Candidate) -> Bool { c.classAccuracy >= best - Self.accuracyMargin - 1e-9 }
        guard eligible(candidate) else { return false }
        if let kept, eligible(kept), kept.frechetDistance <= candidate.frechetDistance { return false }
        kept = candidate
        return true
    }
}
