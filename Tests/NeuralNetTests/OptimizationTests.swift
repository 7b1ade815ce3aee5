// ParameterSet bookkeeping and loading, Adam against hand-computed steps, clipping, EMA, and the
// bit-exact resume property (state saved mid-run continues identically).
import NeuralNet
import TensorCore
import TestSupport
import Testing

struct OptimizationTests {
    func smallSet() -> ParameterSet {
        var set = ParameterSet()
        set.append("a.weight", Tensor(shape: [2], scalars: [1, -1]))
        set.append("a.bias", Tensor(shape: [1], scalars: [0.5]))
        return set
    }

    @Test func parameterSetLookupCountsAndZeros() {
        let set = smallSet()
        #expect(set.names == ["a.weight", "a.bias"])
        #expect(set.scalarCount == 3)
        #expect(set["a.bias"]?.scalars == [0.5])
        #expect(set["missing"] == nil)
        let zeros = set.zeros()
        #expect(zeros.hasSameLayout(as: set) && zeros.tensors.allSatisfy { $0.scalars.allSatisfy { $0 == 0 } })
    }

    @Test func loadingReportsEveryProblemAndChangesNothing() throws {
        var set = smallSet()
        #expect(
            throws: ParameterLoadingError(
                missing: ["a.bias"], unexpected: ["b.weight"],
                mismatched: ["a.weight expects [2], got 3 scalars"])
        ) {
            try set.assign(from: ["a.weight": [1, 2, 3], "b.weight": [0]])
        }
        #expect(set == smallSet())
        try set.assign(from: ["a.weight": [3, 4], "a.bias": [5]])
        #expect(set["a.weight"]?.scalars == [3, 4] && set["a.bias"]?.scalars == [5])
    }

    @Test func adamFirstStepMovesEachWeightByTheLearningRate() {
        // After one step m̂ = g and v̂ = g², so the update is lr·g/(|g| + ε) ≈ lr·sign(g).
        var weights = smallSet()
        var gradients = weights.zeros()
        gradients[0] = Tensor(shape: [2], scalars: [0.3, -2])
        gradients[1] = Tensor(shape: [1], scalars: [0.01])
        var adam = Adam(for: weights, learningRate: 0.1)
        let norm = adam.update(&weights, gradients: gradients)
        #expect(abs(norm - (0.09 + 4 + 0.0001 as Float).squareRoot()) < 1e-6)
        #expect(maxRelativeError(weights[0].scalars, [0.9, -0.9]) < 1e-5)
        #expect(maxRelativeError(weights[1].scalars, [0.4]) < 1e-4)
        #expect(adam.stepCount == 1)
    }

    @Test func clippingScalesGradientsButReportsTheOriginalNorm() {
        var weights = smallSet()
        var gradients = weights.zeros()
        gradients[0] = Tensor(shape: [2], scalars: [3, 4])
        var clipped = Adam(for: weights, learningRate: 0.1)
        #expect(clipped.update(&weights, gradients: gradients, clippingNormTo: 1) == 5)
        // The moment saw the clipped gradient (0.6, 0.8): m = 0.1·g.
        #expect(maxRelativeError(clipped.firstMoment[0].scalars, [0.06, 0.08]) < 1e-5)
    }

    @Test func resumingFromSavedStateIsBitExact() {
        var random = RandomSource(seed: 41)
        var weights = smallSet()
        var adam = Adam(for: weights, learningRate: 0.01)
        let steps = (0..<6).map { _ in
            var g = weights.zeros()
            g[0] = randomTensor([2], &random)
            g[1] = randomTensor([1], &random)
            return g
        }
        for g in steps.prefix(3) { adam.update(&weights, gradients: g, clippingNormTo: 1) }
        var (savedWeights, savedAdam) = (weights, Adam(for: weights, learningRate: 0.01))
        (savedAdam.firstMoment, savedAdam.secondMoment, savedAdam.stepCount) = (adam.firstMoment, adam.secondMoment, adam.stepCount)
        for g in steps.suffix(3) {
            adam.update(&weights, gradients: g, clippingNormTo: 1)
            savedAdam.update(&savedWeights, gradients: g, clippingNormTo: 1)
        }
        #expect(weights == savedWeights && adam == savedAdam)
    }

    @Test func emaFollowsTheFormula() {
        var weights = smallSet()
        var ema = ExponentialMovingAverage(of: weights, decay: 0.9)
        weights[0] = Tensor(shape: [2], scalars: [2, 1])
        ema.update(with: weights)
        #expect(maxRelativeError(ema.shadow[0].scalars, [1.1, -0.8]) < 1e-6)
        #expect(ema.shadow[1].scalars == [0.5])
    }
}
