// The seeded random batch the benchmarks feed a UNet: `kac-bench network`'s rows (seed 7) and `kac-bench peer-dump`'s
// inputs for the PyTorch/ONNX comparison draw it the same way, so one function draws it.
import NeuralNet
import TensorCore

enum BenchInputs {
    /// x ~ N(0, 1), target ~ N(0, 1), times ~ U[0, 1), labels uniform over 0...classCount (the null label
    /// included), in that order from one RandomSource(seed:).
    static func draw(batch: Int, seed: UInt64, configuration c: UNetConfiguration) -> (
        x: Tensor, times: [Float], labels: [Int], target: Tensor
    ) {
        var random = RandomSource(seed: seed)
        let shape = [batch, c.imageHeight, c.imageWidth, c.imageChannels]
        let count = shape.reduce(1, *)
        let x = Tensor(shape: shape, scalars: (0..<count).map { _ in Float(random.normal()) })
        let target = Tensor(shape: shape, scalars: (0..<count).map { _ in Float(random.normal()) })
        let times = (0..<batch).map { _ in Float(random.uniform()) }
        let labels = (0..<batch).map { _ in random.index(below: c.classCount + 1) }
        return (x, times, labels, target)
    }
}
