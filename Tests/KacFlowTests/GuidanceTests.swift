import KacFlow
import TensorCore
// Classifier-free guidance: one batched network call of 2N rows, conditional rows first, and the
// u∅ + s(u_y − u∅) combination; s = 1 is the plain conditional field in one pass of N. Per-sample
// scales guide every row as the scalar form would at that row's scale.
import Testing

@Suite struct GuidanceTests {
    /// A fake network whose output depends on x, t and the label, and that records its calls.
    final class FakeNetwork: @unchecked Sendable {
        var calls: [(rows: Int, labels: [Int], times: [Float])] = []
        func callAsFunction(_ x: Tensor, _ times: [Float], _ labels: [Int]) -> Tensor {
            calls.append((x.shape[0], labels, times))
            let perSample = x.count / x.shape[0]
            return Tensor(
                shape: x.shape,
                scalars: x.scalars.indices.map { j in
                    let n = j / perSample
                    return x.scalars[j] * times[n] + Float(labels[n])
                })
        }
    }

    static let x = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])

    /// The guided field for labels [3, 7] at one scale for both rows, null label 10.
    static func guided(_ network: FakeNetwork, scale: Float) -> PerSampleVelocity {
        ClassifierFreeGuidance.velocity(
            conditional: { network($0, $1, $2) }, labels: [3, 7], scales: [scale, scale],
            nullLabel: 10)
    }

    @Test func scaleOneIsTheConditionalFieldInOnePass() {
        let network = FakeNetwork()
        let u = Self.guided(network, scale: 1)(Self.x, [0.5, 0.25])
        let direct = FakeNetwork()([Self.x][0], [0.5, 0.25], [3, 7])
        #expect(u == direct)
        #expect(network.calls.count == 1 && network.calls[0].rows == 2)
    }

    @Test func guidedFieldBatchesBothPassesInOneCall() {
        let network = FakeNetwork()
        let u = Self.guided(network, scale: 1.5)(Self.x, [0.5, 0.5])
        #expect(network.calls.count == 1)
        #expect(network.calls[0].rows == 4 && network.calls[0].labels == [3, 7, 10, 10])
        #expect(network.calls[0].times == [0.5, 0.5, 0.5, 0.5])
        let reference = FakeNetwork()
        let conditional = reference(Self.x, [0.5, 0.5], [3, 7]), unconditional = reference(Self.x, [0.5, 0.5], [10, 10])
        let expected = zip(conditional.scalars, unconditional.scalars).map { y, null in null + 1.5 * (y - null) }
        #expect(u.shape == Self.x.shape)
        // Same Float operations in the same order: exact equality.
        #expect(u.scalars == expected)
    }

    @Test func perSampleScalesGuideEachRowAtItsOwnScale() {
        let network = FakeNetwork()
        let scales: [Float] = [1.5, 3]
        let guided = ClassifierFreeGuidance.velocity(
            conditional: { network($0, $1, $2) }, labels: [3, 7], scales: scales,
            nullLabel: 10)
        let u = guided(Self.x, [0.5, 0.25])
        #expect(network.calls.count == 1 && network.calls[0].rows == 4)
        // Row n equals the scalar form at s_n, bit for bit.
        for (n, scale) in scales.enumerated() {
            let single = Self.guided(FakeNetwork(), scale: scale)(Self.x, [0.5, 0.25])
            #expect(Array(u.scalars[(3 * n)..<(3 * n + 3)]) == Array(single.scalars[(3 * n)..<(3 * n + 3)]), "row \(n)")
        }
        let unguided = FakeNetwork()
        _ = ClassifierFreeGuidance.velocity(
            conditional: { unguided($0, $1, $2) }, labels: [3, 7], scales: [1, 1],
            nullLabel: 10)(Self.x, [0.5, 0.25])
        #expect(unguided.calls.count == 1 && unguided.calls[0].rows == 2)
    }

    @Test func guidedSamplingCountsOneEvaluationPerEulerStep() {
        let network = FakeNetwork()
        let field = Self.guided(network, scale: 2)
        let guided: BatchVelocity = { x, time in field(x, [time, time]) }
        let result = Sampler(integrator: .euler, steps: 4).integrate(from: Self.x, velocity: guided)
        #expect(result.networkEvaluations == 4 && network.calls.count == 4)
        #expect(network.calls.allSatisfy { $0.rows == 4 })
    }
}
