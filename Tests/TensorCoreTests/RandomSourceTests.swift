import TensorCore
import Testing

@Suite struct RandomSourceTests {
    @Test func sameSeedSameSequenceAndStateRoundTrips() {
        var a = RandomSource(seed: 42)
        var b = RandomSource(seed: 42)
        for _ in 0..<10 { _ = a.next(); _ = b.next() }
        #expect(a == b)
        var restored = RandomSource(state: a.state)
        #expect(restored.next() == a.next())
    }

    @Test func streamsDiffer() {
        var a = RandomSource(seed: 7, stream: 1)
        var b = RandomSource(seed: 7, stream: 2)
        #expect(a.next() != b.next())
    }

    @Test func normalHasUnitMomentsAndPoissonItsMean() {
        var rng = RandomSource(seed: 3)
        let n = 200_000
        var sum = 0.0, sumSquares = 0.0, poissonSum = 0
        for _ in 0..<n {
            let z = rng.normal()
            sum += z; sumSquares += z * z
            poissonSum += rng.poisson(mean: 2.7)
        }
        // Standard errors: mean 1/√n ≈ 0.0022, variance √(2/n) ≈ 0.0032; 5 sigma bounds.
        #expect(abs(sum / Double(n)) < 0.012)
        #expect(abs(sumSquares / Double(n) - 1) < 0.016)
        #expect(abs(Double(poissonSum) / Double(n) - 2.7) < 5 * (2.7 / Double(n)).squareRoot())
    }
}
