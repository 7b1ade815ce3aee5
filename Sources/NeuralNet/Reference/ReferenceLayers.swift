// Plain-loop Double references of the layers, written for clarity, not speed: one output element
// at a time, straight from the definitions, NHWC like the fast layers. Tests finite-difference
// these in Double and check the fast Float layers (forward and backward) against them.
import Foundation

public enum Reference {
    /// input [N, H, W, Cin], weight [k, k, Cin, Cout], bias [Cout] → ([N, Ho, Wo, Cout], shape).
    public static func conv2D(
        _ input: [Double], shape: [Int], weight: [Double], bias: [Double], outputChannels: Int,
        kernelSize k: Int, stride s: Int, padding p: Int
    ) -> (output: [Double], shape: [Int]) {
        let (n, h, w, cin) = (shape[0], shape[1], shape[2], shape[3])
        let ho = (h + 2 * p - k) / s + 1, wo = (w + 2 * p - k) / s + 1
        var output = [Double](repeating: 0, count: n * ho * wo * outputChannels)
        for image in 0..<n {
            for oy in 0..<ho {
                for ox in 0..<wo {
                    for co in 0..<outputChannels {
                        var sum = bias[co]
                        for ky in 0..<k {
                            for kx in 0..<k {
                                let iy = oy * s - p + ky, ix = ox * s - p + kx
                                guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                                for ci in 0..<cin {
                                    sum +=
                                        input[((image * h + iy) * w + ix) * cin + ci]
                                        * weight[((ky * k + kx) * cin + ci) * outputChannels + co]
                                }
                            }
                        }
                        output[((image * ho + oy) * wo + ox) * outputChannels + co] = sum
                    }
                }
            }
        }
        return (output, [n, ho, wo, outputChannels])
    }

    /// input [rows, in], weight [in, out], bias [out] → [rows, out].
    public static func linear(
        _ input: [Double], rows: Int, weight: [Double], bias: [Double], inputWidth: Int,
        outputWidth: Int
    ) -> [Double] {
        var output = [Double](repeating: 0, count: rows * outputWidth)
        for r in 0..<rows {
            for o in 0..<outputWidth {
                var sum = bias[o]
                for i in 0..<inputWidth { sum += input[r * inputWidth + i] * weight[i * outputWidth + o] }
                output[r * outputWidth + o] = sum
            }
        }
        return output
    }

    /// input [N, P, C] → GroupNorm with G groups of contiguous channels.
    public static func groupNorm(
        _ input: [Double], batch: Int, channels c: Int, groups: Int, weight: [Double],
        bias: [Double], epsilon: Double = 1e-5
    ) -> [Double] {
        let positions = input.count / (batch * c), width = c / groups
        var output = input
        for image in 0..<batch {
            for g in 0..<groups {
                var values: [Double] = []
                for p in 0..<positions {
                    for ch in (g * width)..<((g + 1) * width) { values.append(input[(image * positions + p) * c + ch]) }
                }
                let mean = values.reduce(0, +) / Double(values.count)
                let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)
                for p in 0..<positions {
                    for ch in (g * width)..<((g + 1) * width) {
                        let i = (image * positions + p) * c + ch
                        output[i] = (input[i] - mean) / (variance + epsilon).squareRoot() * weight[ch] + bias[ch]
                    }
                }
            }
        }
        return output
    }

    public static func silu(_ input: [Double]) -> [Double] { input.map { $0 / (1 + exp(-$0)) } }

    /// [N, H, W, C] → [N, 2H, 2W, C], nearest neighbour.
    public static func upsample(_ input: [Double], shape: [Int]) -> [Double] {
        let (n, h, w, c) = (shape[0], shape[1], shape[2], shape[3])
        var output = [Double](repeating: 0, count: 4 * input.count)
        for image in 0..<n {
            for y in 0..<(2 * h) {
                for x in 0..<(2 * w) {
                    for ch in 0..<c {
                        output[((image * 2 * h + y) * 2 * w + x) * c + ch] = input[((image * h + y / 2) * w + x / 2) * c + ch]
                    }
                }
            }
        }
        return output
    }

    /// Self-attention over [N, P, C]: qkv projection (C → 3C as [q | k | v]), per-head softmax
    /// attention, output projection.
    public static func attention(
        _ input: [Double], batch: Int, channels c: Int, heads: Int, qkvWeight: [Double],
        qkvBias: [Double], projectionWeight: [Double], projectionBias: [Double]
    ) -> [Double] {
        let positions = input.count / (batch * c), d = c / heads
        let qkv = linear(input, rows: batch * positions, weight: qkvWeight, bias: qkvBias, inputWidth: c, outputWidth: 3 * c)
        var attended = [Double](repeating: 0, count: input.count)
        for image in 0..<batch {
            for head in 0..<heads {
                func entry(_ p: Int, _ part: Int, _ j: Int) -> Double { qkv[(image * positions + p) * 3 * c + part * c + head * d + j] }
                for i in 0..<positions {
                    var scores = (0..<positions).map { j in
                        (0..<d).map { entry(i, 0, $0) * entry(j, 1, $0) }.reduce(0, +) / Double(d).squareRoot()
                    }
                    let largest = scores.max() ?? 0
                    scores = scores.map { exp($0 - largest) }
                    let total = scores.reduce(0, +)
                    for j in 0..<d {
                        attended[(image * positions + i) * c + head * d + j] =
                            (0..<positions).map { scores[$0] / total * entry($0, 2, j) }.reduce(0, +)
                    }
                }
            }
        }
        return linear(
            attended, rows: batch * positions, weight: projectionWeight, bias: projectionBias,
            inputWidth: c, outputWidth: c)
    }

    /// Mean over rows of −log softmax(logits)[label].
    public static func softmaxCrossEntropy(_ logits: [Double], classes: Int, labels: [Int]) -> Double {
        var total = 0.0
        for (row, label) in labels.enumerated() {
            let values = logits[(row * classes)..<((row + 1) * classes)]
            let largest = values.max() ?? 0
            let logSum = log(values.map { exp($0 - largest) }.reduce(0, +)) + largest
            total += logSum - logits[row * classes + label]
        }
        return total / Double(labels.count)
    }
}
