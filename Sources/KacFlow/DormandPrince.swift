// Adaptive Runge–Kutta 5(4) of Dormand and Prince, for reference-quality trajectories (KAC.md §5).
// `attempt` is a pure function: it proposes a 5th-order step and the error estimate of the
// embedded 4th-order solution; the trajectory accepts or shrinks the step. First-same-as-last:
// the 7th stage of an accepted step is the next step's first, so a step costs 6 evaluations.
import Foundation
import TensorCore

/// Mixed tolerance of the adaptive integrator: a component's error scale is
/// absolute + relative·max(|x_old|, |x_new|); a step is accepted when the RMS scaled error ≤ 1.
public struct AdaptiveTolerance: Sendable, Equatable, Codable {
    public var relative: Double
    public var absolute: Double

    /// Float state: tolerances much below 1e-6 only chase round-off.
    public init(relative: Double = 1e-4, absolute: Double = 1e-4) {
        precondition(relative >= 0 && absolute > 0, "AdaptiveTolerance needs relative ≥ 0 and absolute > 0")
        self.relative = relative
        self.absolute = absolute
    }
}

public struct DormandPrinceStep: Sendable {
    public var tolerance: AdaptiveTolerance

    public init(tolerance: AdaptiveTolerance = AdaptiveTolerance()) { self.tolerance = tolerance }

    /// A proposed step: the new state (already counting its evaluations, memory = FSAL
    /// derivative) and the scaled RMS error; accept when `error ≤ 1`.
    public struct Attempt: Sendable {
        public var state: SamplerState
        public var error: Double
        /// dx/ds at the starting point: a rejected attempt hands it back so the retry does not
        /// evaluate the field there again.
        public var firstDerivative: Tensor
    }

    // Butcher tableau (nodes c, matrix a, 5th-order weights b = last row of a; e = b − b*).
    static let c: [Double] = [0, 1.0 / 5, 3.0 / 10, 4.0 / 5, 8.0 / 9, 1, 1]
    static let a: [[Double]] = [
        [],
        [1.0 / 5],
        [3.0 / 40, 9.0 / 40],
        [44.0 / 45, -56.0 / 15, 32.0 / 9],
        [19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729],
        [9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656],
        [35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84],
    ]
    static let errorWeights: [Double] = [
        71.0 / 57600, 0, -71.0 / 16695, 71.0 / 1920, -17253.0 / 339200,
        22.0 / 525, -1.0 / 40,
    ]

    /// Proposes the step from `state.progress` to `to`.
    public func attempt(_ state: SamplerState, to progress: Double, field: IntervalField) -> Attempt {
        let h = progress - state.progress
        var evaluations = 0
        var stages: [Tensor] = []
        if let first = state.derivativeMemory {
            stages.append(first)
        } else {
            stages.append(field.derivative(state.x, progress: state.progress))
            evaluations += 1
        }
        var proposal = state.x
        for i in 1..<7 {
            let terms = zip(Self.a[i], stages).compactMap { weight, k in weight == 0 ? nil : (h * weight, k) }
            let point = linearCombination(state.x, terms)
            if i == 6 { proposal = point }  // the 5th-order solution
            stages.append(field.derivative(point, progress: state.progress + Self.c[i] * h))
            evaluations += 1
        }
        let errorTerms = zip(Self.errorWeights, stages).compactMap { weight, k in weight == 0 ? nil : (h * weight, k) }
        let errorEstimate = linearCombination(Tensor.zeros(state.x.shape), errorTerms)
        var sumSquares = 0.0
        for j in 0..<state.x.count {
            let scale =
                tolerance.absolute
                + tolerance.relative * Double(max(abs(state.x.scalars[j]), abs(proposal.scalars[j])))
            let scaled = Double(errorEstimate.scalars[j]) / scale
            sumSquares += scaled * scaled
        }
        let error = state.x.count == 0 ? 0 : (sumSquares / Double(state.x.count)).squareRoot()
        let next = advanced(
            state, x: proposal, to: progress, field: field, evaluations: evaluations,
            memory: stages[6])
        return Attempt(state: next, error: error, firstDerivative: stages[0])
    }

    /// Step-size factor after an attempt with scaled error `error` (standard 0.9·err^{−1/5},
    /// limited to [0.2, 5] so one lucky or unlucky estimate cannot swing the step wildly).
    public static func stepFactor(error: Double) -> Double {
        guard error > 0 else { return 5 }
        return min(5, max(0.2, 0.9 * pow(error, -0.2)))
    }
}
