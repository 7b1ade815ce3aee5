// Not a test of behaviour: with KAC_FORWARD_PROFILE=1 in the environment, prints the per-thread
// CPU time of one forward pass of the §8 UNet at batch 64 in fp32, bf16 direct and bf16 Winograd,
// one thread, alternating, several rounds (CPU time, not wall clock, so that a shared machine's
// other work does not count). How close each is to fp32 is BF16WinogradTests' and BF16InferenceTests'. Run alone: KAC_FORWARD_PROFILE=1 swift test -c release --filter BF16ForwardProfile
import Foundation
import NeuralNet
import TensorCore
import Testing

@Suite(.enabled(if: ProcessInfo.processInfo.environment["KAC_FORWARD_PROFILE"] == "1", "set KAC_FORWARD_PROFILE=1 to profile"))
struct BF16ForwardProfile {
    static func threadSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    @Test func forwardCPUTime() throws {
        ThreadBudget.install(ThreadBudget(threads: 1, source: .option, affinityCPUs: 1, quota: nil))
        let batch = Int(ProcessInfo.processInfo.environment["KAC_PROFILE_BATCH"] ?? "") ?? 64
        let rounds = Int(ProcessInfo.processInfo.environment["KAC_PROFILE_ROUNDS"] ?? "") ?? 5
        var random = RandomSource(seed: 2024)
        let fp32 = UNet(configuration: .fashionMNIST, random: &random)
        let direct = UNet(configuration: .fashionMNIST, random: &random), winograd = UNet(configuration: .fashionMNIST, random: &random)
        direct.parameters = fp32.parameters
        winograd.parameters = fp32.parameters
        try direct.useBF16Inference(winograd: false)
        try winograd.useBF16Inference()
        var inputs = RandomSource(seed: 7)
        let x = Tensor(shape: [batch, 28, 28, 1], scalars: (0..<(batch * 784)).map { _ in Float(inputs.normal()) })
        let times = (0..<batch).map { _ in Float(inputs.uniform()) }
        let labels = (0..<batch).map { _ in inputs.index(below: 11) }
        let networks = [("fp32", fp32), ("bf16 direct", direct), ("bf16 winograd", winograd)]
        var best = [Double](repeating: .infinity, count: networks.count)
        for (_, network) in networks { _ = network.velocity(x, times: times, labels: labels) }
        for round in 0..<rounds {
            var line = "round \(round):"
            for (index, (name, network)) in networks.enumerated() {
                let start = Self.threadSeconds()
                _ = network.velocity(x, times: times, labels: labels)
                let seconds = Self.threadSeconds() - start
                best[index] = min(best[index], seconds)
                line += String(format: " %@ %.2f ms", name, seconds * 1e3)
            }
            print(line)
        }
        print(String(format: "best CPU ms per pass at batch %d: fp32 %.2f, bf16 direct %.2f (%.2f×), bf16 winograd %.2f (%.2f×)",
                     batch, best[0] * 1e3, best[1] * 1e3, best[0] / best[1], best[2] * 1e3, best[0] / best[2]))
        print("OpenBLAS core: \(BLAS.coreName)")
    }
}
