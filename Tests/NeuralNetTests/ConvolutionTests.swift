// Conv2D against the Double reference (forward) and against finite differences of the reference
// (backward: dInput, dWeight, dBias), over geometries that exercise padding, stride and 1×1 convs.
import NeuralNet
import TensorCore
import TestSupport
import Testing

struct ConvolutionTests {
    /// One per backward path: Winograd (3,1,1), col2im (3,2,1), (2,2,0), (3,1,0), pointwise (1,1,0), and
    /// the transposed "same" convolution (5,1,2).
    static let geometries: [(kernel: Int, stride: Int, padding: Int)] = [
        (3, 1, 1), (3, 2, 1), (1, 1, 0), (2, 2, 0),
        (3, 1, 0), (5, 1, 2),
    ]

    @Test(arguments: geometries.indices)
    func forwardAndBackwardMatchReference(geometry: Int) {
        let (k, s, p) = Self.geometries[geometry]
        var random = RandomSource(seed: 11)
        var parameters = ParameterSet()
        let conv = Conv2D(
            name: "conv", inputChannels: 3, outputChannels: 4, kernelSize: k, stride: s, padding: p,
            parameters: &parameters, random: &random)
        let shape = [2, 5, 6, 3]
        let input = randomTensor(shape, &random)
        let workspace = Workspace()
        let (output, cache) = conv.forward(input, parameters: parameters, workspace: workspace)

        let weight = doubles(parameters, conv.weight), bias = doubles(parameters, conv.bias)
        func reference(_ x: [Double], _ w: [Double], _ b: [Double]) -> [Double] {
            Reference.conv2D(x, shape: shape, weight: w, bias: b, outputChannels: 4, kernelSize: k, stride: s, padding: p).output
        }
        let expected = Reference.conv2D(
            doubles(input.scalars), shape: shape, weight: weight, bias: bias,
            outputChannels: 4, kernelSize: k, stride: s, padding: p)
        #expect(output.shape == expected.shape)
        #expect(relativeError(output.scalars, expected.output) < floatVersusDoubleTolerance)

        let dOutput = randomScalars(output.count, &random)
        var gradients = parameters.zeros()
        let dInput = conv.backward(
            Tensor(shape: output.shape, scalars: dOutput), cache: cache,
            parameters: parameters, gradients: &gradients, workspace: workspace)
        let x = doubles(input.scalars)
        let numericalInput = numericalGradient(x) { projected(reference($0, weight, bias), dOutput) }
        let numericalWeight = numericalGradient(weight) { projected(reference(x, $0, bias), dOutput) }
        let numericalBias = numericalGradient(bias) { projected(reference(x, weight, $0), dOutput) }
        #expect(relativeError(dInput.scalars, numericalInput) < floatVersusDoubleTolerance)
        #expect(relativeError(gradients[conv.weight].scalars, numericalWeight) < floatVersusDoubleTolerance)
        #expect(relativeError(gradients[conv.bias].scalars, numericalBias) < floatVersusDoubleTolerance)
    }

    /// Winograd's transforms add up to 16 terms before the GEMM: a few more ulps than im2col.
    static let winogradTolerance: Float = 5e-4

    @Test func winogradPathMatchesReferenceOnOddSizes() {
        // 3×3, stride 1, padding 1 takes the Winograd path; 7×7 leaves half-empty edge tiles.
        var random = RandomSource(seed: 12)
        var parameters = ParameterSet()
        let conv = Conv2D(
            name: "conv", inputChannels: 16, outputChannels: 8, kernelSize: 3, padding: 1,
            parameters: &parameters, random: &random)
        let shape = [3, 7, 7, 16]
        let input = randomTensor(shape, &random)
        let output = conv.forward(input, parameters: parameters, workspace: Workspace()).output
        let expected = Reference.conv2D(
            doubles(input.scalars), shape: shape, weight: doubles(parameters, conv.weight),
            bias: doubles(parameters, conv.bias), outputChannels: 8, kernelSize: 3,
            stride: 1, padding: 1)
        #expect(relativeError(output.scalars, expected.output) < Self.winogradTolerance)
    }

    @Test func winogradBackwardMatchesFiniteDifferences() {
        // 9 → 10 channels: the transforms' 8-wide vector loop and its scalar tail both run; 5×7 leaves
        // partial tiles on two sides.
        var random = RandomSource(seed: 14)
        var parameters = ParameterSet()
        let conv = Conv2D(
            name: "conv", inputChannels: 9, outputChannels: 10, kernelSize: 3, padding: 1,
            parameters: &parameters, random: &random)
        let shape = [2, 5, 7, 9]
        let input = randomTensor(shape, &random)
        let workspace = Workspace()
        let (output, cache) = conv.forward(input, parameters: parameters, workspace: workspace)
        let dOutput = randomScalars(output.count, &random)
        var gradients = parameters.zeros()
        let dInput = conv.backward(
            Tensor(shape: output.shape, scalars: dOutput), cache: cache, parameters: parameters,
            gradients: &gradients, workspace: workspace)
        let (x, weight, bias) = (doubles(input.scalars), doubles(parameters, conv.weight), doubles(parameters, conv.bias))
        func loss(_ x: [Double], _ w: [Double], _ b: [Double]) -> Double {
            projected(
                Reference.conv2D(
                    x, shape: shape, weight: w, bias: b, outputChannels: 10, kernelSize: 3,
                    stride: 1, padding: 1
                ).output, dOutput)
        }
        #expect(relativeError(dInput.scalars, numericalGradient(x) { loss($0, weight, bias) }) < Self.winogradTolerance)
        #expect(
            relativeError(gradients[conv.weight].scalars, numericalGradient(weight) { loss(x, $0, bias) })
                < Self.winogradTolerance)
        #expect(
            relativeError(gradients[conv.bias].scalars, numericalGradient(bias) { loss(x, weight, $0) })
                < Self.winogradTolerance)
    }

    @Test func parameterGradientsAccumulate() {
        var random = RandomSource(seed: 3)
        var parameters = ParameterSet()
        let conv = Conv2D(
            name: "c", inputChannels: 2, outputChannels: 2, kernelSize: 3, padding: 1,
            parameters: &parameters, random: &random)
        let workspace = Workspace()
        let (output, cache) = conv.forward(randomTensor([1, 4, 4, 2], &random), parameters: parameters, workspace: workspace)
        let dOutput = randomTensor(output.shape, &random)
        var once = parameters.zeros(), twice = parameters.zeros()
        _ = conv.backward(dOutput, cache: cache, parameters: parameters, gradients: &once, workspace: workspace)
        for _ in 0..<2 { _ = conv.backward(dOutput, cache: cache, parameters: parameters, gradients: &twice, workspace: workspace) }
        let doubled = once[conv.weight].scalars.map { 2 * $0 }
        #expect(maxRelativeError(twice[conv.weight].scalars, doubled) < 1e-6)
    }

    /// Batch 40 and batch 1 take different GEMM blockings and thread splits: only the order of
    /// Float additions over K = 288 terms differs.
    static let blockingTolerance: Float = 1e-4

    @Test func largeBatchSplitsIntoChunksAndMatchesSmallBatch() {
        // 40 images of 28×28×32 columns exceed one im2col chunk, so chunking and threading are exercised.
        var random = RandomSource(seed: 5)
        var parameters = ParameterSet()
        let conv = Conv2D(
            name: "c", inputChannels: 32, outputChannels: 8, kernelSize: 3, padding: 1,
            parameters: &parameters, random: &random)
        let input = randomTensor([40, 28, 28, 32], &random)
        let workspace = Workspace()
        let whole = conv.forward(input, parameters: parameters, workspace: workspace).output
        let perImage = 28 * 28 * 32
        let last = Tensor(shape: [1, 28, 28, 32], scalars: Array(input.scalars[(39 * perImage)...]))
        let single = conv.forward(last, parameters: parameters, workspace: workspace).output
        let perOutput = 28 * 28 * 8
        #expect(maxRelativeError(Array(whole.scalars[(39 * perOutput)...]), single.scalars) < Self.blockingTolerance)
    }
}
