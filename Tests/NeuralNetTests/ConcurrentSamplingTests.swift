// One UNet sampled from several threads at once (kacd's workers share a loaded model): every call
// checks out its own scratch, so concurrent calls return bit for bit what the same calls return one
// at a time, and the scratch they leave behind is counted (a model cache adds it to the weights).
import Dispatch
import Foundation
import NeuralNet
import TensorCore
import TestSupport
import Testing

struct ConcurrentSamplingTests {
    @Test func concurrentVelocityCallsMatchSerialOnesBitForBit() {
        var random = RandomSource(seed: 5)
        let network = UNet(configuration: UNetTests.tiny, random: &random)
        // The zero-initialised output layers would make every velocity zero; give them weights.
        var parameters = network.parameters
        for index in 0..<parameters.count where parameters[index].scalars.allSatisfy({ $0 == 0 }) {
            parameters.withMutableScalars(index) { scalars in
                for i in scalars.indices { scalars[i] = Float(random.uniform() - 0.5) * 0.4 }
            }
        }
        network.parameters = parameters
        #expect(network.samplingScratchBytes == 0, "no call, no scratch")
        // 16 images: two parts of 8, so a call uses two workspaces when it has two threads.
        let calls = 8
        let inputs = (0..<calls).map { _ in randomTensor([16, 8, 8, 1], &random) }
        let times = (0..<16).map { Float($0 + 1) / 17 }
        let labels = (0..<16).map { $0 % 4 }
        let serial = inputs.map { network.velocity($0, times: times, labels: labels) }
        #expect(serial[0].scalars.contains { $0 != 0 })
        let oneSet = network.samplingScratchBytes
        #expect(oneSet > 0, "a call's scratch is kept for the next")

        let results = ConcurrentResults(count: calls)
        // What the daemon's workers do: share one network (its weights are only read while sampling).
        let shared = SharedNetwork(network: network)
        DispatchQueue.concurrentPerform(iterations: calls) { call in
            let network = shared.network
            // Several rounds each, so calls overlap whatever order the threads start in.
            for _ in 0..<3 { results.set(call, network.velocity(inputs[call], times: times, labels: labels)) }
        }
        for call in 0..<calls {
            #expect(results.get(call)?.scalars == serial[call].scalars, "call \(call) differs when run beside others")
        }
        #expect(network.samplingScratchBytes >= oneSet, "every set of scratch made is counted")
    }
}

private struct SharedNetwork: @unchecked Sendable {
    let network: UNet
}

/// Results written by concurrent calls, one slot each.
private final class ConcurrentResults: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Tensor?]

    init(count: Int) { values = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ value: Tensor) { lock.withLock { values[index] = value } }
    func get(_ index: Int) -> Tensor? { lock.withLock { values[index] } }
}
