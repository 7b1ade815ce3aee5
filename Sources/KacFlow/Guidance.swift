// Classifier-free guidance in velocity space (KAC.md §6): u_s = u(x,t,∅) + s·(u(x,t,y) − u(x,t,∅)).
// The conditional and null passes run as ONE network call on a batch of 2N (conditional rows
// first, null rows second), so guidance costs one evaluation of twice the batch, not two calls.
// Invariant: when every row's s is 1 it makes a single pass of size N with the requested labels
// (no null pass). One s per row (a guidance-conditioned student is distilled over a range of s)
// computes every row exactly as a batch at that single s would.
import TensorCore

/// A class-conditional network: x [N, ...], times [N], labels [N] -> velocity [N, ...].
public typealias ConditionalVelocity = (_ x: Tensor, _ times: [Float], _ labels: [Int]) -> Tensor

/// Namespace for the guided field; the caller (Training's Generator) supplies the scales and the
/// network's null label.
public enum ClassifierFreeGuidance {
    /// The guided field with its own scale for every sample (`scales` [N]), at per-sample times.
    public static func velocity(
        conditional network: @escaping ConditionalVelocity, labels: [Int], scales: [Float],
        nullLabel: Int
    ) -> PerSampleVelocity {
        precondition(scales.count == labels.count, "guidance: \(scales.count) scales for \(labels.count) labels")
        let unguided = scales.allSatisfy { $0 == 1 }
        return { x, times in
            precondition(
                x.rank >= 1 && x.shape[0] == labels.count && times.count == labels.count,
                "guidance: x \(x.shape), \(times.count) times and \(labels.count) labels must agree")
            if unguided { return network(x, times, labels) }
            var doubled = x
            doubled.shape[0] *= 2
            doubled.scalars.append(contentsOf: x.scalars)
            let both = network(doubled, times + times, labels + Array(repeating: nullLabel, count: labels.count))
            precondition(both.shape == doubled.shape, "guidance: network returned \(both.shape) for \(doubled.shape)")
            return combine(both, shape: x.shape, scales: scales)
        }
    }

    /// u∅ + s_n·(u_y − u∅) from the stacked output [u_y; u∅] of two batches of `shape`.
    private static func combine(_ both: Tensor, shape: [Int], scales: [Float]) -> Tensor {
        let count = shape.reduce(1, *)
        let perSample = scales.isEmpty ? 0 : count / scales.count
        var result = [Float](repeating: 0, count: count)
        both.scalars.withUnsafeBufferPointer { stacked in
            for (n, scale) in scales.enumerated() {
                for j in (n * perSample)..<((n + 1) * perSample) {
                    let conditional = stacked[j], unconditional = stacked[count + j]
                    result[j] = unconditional + scale * (conditional - unconditional)
                }
            }
        }
        return Tensor(shape: shape, scalars: result)
    }
}
