// Conditioning inputs: the sinusoidal time embedding (no parameters) and the class-label table.
// The label table has classCount + 1 rows; row classCount is the learned "null" label used for
// classifier-free guidance. Backward scatter-adds into the rows that were read.
import TensorCore

public struct SinusoidalTimeEmbedding: Sendable {
    public let width: Int
    /// Times in [0, T] (T ≈ 1) are multiplied by this before the sinusoids, as in ADM's integer
    /// timesteps: without it the fastest frequency (1 rad per unit) barely moves over [0, 1].
    public let timeScale: Float
    public let maximumPeriod: Float

    /// The defaults are the time embedding's; other scalars (the guidance scale) pick their own.
    public init(width: Int, timeScale: Float = 1000, maximumPeriod: Float = 10_000) {
        precondition(width > 0 && width % 2 == 0, "SinusoidalTimeEmbedding: width \(width) must be even")
        precondition(timeScale > 0 && maximumPeriod > 1, "SinusoidalTimeEmbedding: scale \(timeScale), period \(maximumPeriod)")
        self.width = width
        self.timeScale = timeScale
        self.maximumPeriod = maximumPeriod
    }

    /// times [N] → [N, width] = [cos(t·ω_0 …), sin(t·ω_0 …)], ω_i = maximumPeriod^(−i/half).
    public func forward(_ times: [Float]) -> Tensor {
        let half = width / 2
        var output = Tensor.uninitialized([times.count, width])
        output.scalars.withUnsafeMutableBufferPointer { y in
            for (row, time) in times.enumerated() {
                let t = Double(time * timeScale)
                for i in 0..<half {
                    let frequency = exp(-log(Double(maximumPeriod)) * Double(i) / Double(half))
                    y[row * width + i] = Float(cos(t * frequency))
                    y[row * width + half + i] = Float(sin(t * frequency))
                }
            }
        }
        return output
    }
}

public struct LabelEmbedding: Sendable {
    public let classCount: Int, width: Int
    /// [classCount + 1, width]; the last row is the null label.
    public let table: ParameterSet.Index

    /// Rows drawn from N(0, 1) like PyTorch's nn.Embedding.
    public init(name: String, classCount: Int, width: Int, parameters: inout ParameterSet, random: inout RandomSource) {
        precondition(classCount >= 0 && width > 0, "LabelEmbedding \(name): invalid sizes")
        (self.classCount, self.width) = (classCount, width)
        let scalars = (0..<((classCount + 1) * width)).map { _ in Float(random.normal()) }
        table = parameters.append(name + ".weight", Tensor(shape: [classCount + 1, width], scalars: scalars))
    }

    /// labels [N], each in 0...classCount (classCount = null) → [N, width].
    public func forward(_ labels: [Int], parameters: ParameterSet) -> Tensor {
        precondition(
            labels.allSatisfy { (0...classCount).contains($0) },
            "LabelEmbedding: labels must lie in 0...\(classCount) (\(classCount) = null)")
        var output = Tensor.uninitialized([labels.count, width])
        parameters.withScalars(table) { rows in
            output.scalars.withUnsafeMutableBufferPointer { y in
                guard let rows = rows.baseAddress, let y = y.baseAddress else { return }
                for (i, label) in labels.enumerated() { (y + i * width).update(from: rows + label * width, count: width) }
            }
        }
        return output
    }

    /// Accumulates dTable (labels are not differentiable, so there is no input gradient).
    public func backward(_ dOutput: Tensor, labels: [Int], gradients: inout ParameterSet) {
        precondition(dOutput.shape == [labels.count, width], "LabelEmbedding: dOutput \(dOutput.shape) vs \(labels.count) labels")
        gradients.withMutableScalars(table) { dRows in
            for (i, label) in labels.enumerated() {
                for j in 0..<width { dRows[label * width + j] += dOutput.scalars[i * width + j] }
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
