// The bf16 Winograd forward (Conv2D+BF16Winograd) against the Double reference of the unrounded
// convolution — the fp32 truth — beside oneDNN's direct bf16 convolution of the same layer: both
// err by bf16's rounding, Winograd somewhat more (its transformed operands have a larger range),
// within the stated bounds. Odd sizes (partial tiles), an odd batch, a masked channel tail, one
// input channel (the UNet's first convolution) and a batch past one call's images.
import NeuralNet
import TensorCore
import TestSupport
import Testing

@Suite(.enabled(if: BF16.isSupported, "this CPU lacks AVX512_BF16, so there is no bf16 path to test"))
struct BF16WinogradTests {
    /// ‖a − b‖₂ / ‖b‖₂.
    static func relativeL2(_ a: [Float], _ b: [Double]) -> Double {
        let difference = zip(a, b).reduce(0.0) { $0 + (Double($1.0) - $1.1) * (Double($1.0) - $1.1) }
        return (difference / b.reduce(0.0) { $0 + $1 * $1 }).squareRoot()
    }

    /// bf16 keeps 8 significant bits (relative rounding 2⁻⁹ ≈ 2e-3 per operand); over sums of 9·Cin
    /// products with random signs the direct convolution's output errs by ~2e-3 (L2). Winograd rounds
    /// transformed operands, sums of up to 4 inputs and 9 weights, and its output transform adds 16
    /// products back with cancellation: measured 1.5–2.5× the direct error. Bounds: 1e-2 absolute,
    /// and at most 4× the direct convolution's error on the same data.
    static let winogradTolerance = 1e-2
    static let winogradOverDirect = 4.0

    @Test(arguments: [(3, 7, 9, 24, 40), (2, 6, 6, 1, 32), (19, 7, 7, 64, 64)])
    func closeToTheUnroundedReference(shape: (batch: Int, height: Int, width: Int, cin: Int, cout: Int)) throws {
        let (batch, height, width, cin, cout) = shape
        var random = RandomSource(seed: 31)
        var parameters = ParameterSet()
        let conv = Conv2D(
            name: "conv", inputChannels: cin, outputChannels: cout, kernelSize: 3, padding: 1,
            parameters: &parameters, random: &random)
        let inputShape = [batch, height, width, cin]
        let input = randomTensor(inputShape, &random)
        let expected = Reference.conv2D(
            doubles(input.scalars), shape: inputShape, weight: doubles(parameters, conv.weight),
            bias: doubles(parameters, conv.bias), outputChannels: cout, kernelSize: 3, stride: 1, padding: 1)
        let workspace = Workspace()
        let winograd = try BF16Weights.convolutions([conv], parameters: parameters, winograd: true)
        let direct = try BF16Weights.convolutions([conv], parameters: parameters, winograd: false)
        let fromWinograd = conv.forward(input, parameters: parameters, workspace: workspace, bf16: winograd).output
        let fromDirect = conv.forward(input, parameters: parameters, workspace: workspace, bf16: direct).output
        #expect(fromWinograd.shape == expected.shape)
        let (winogradError, directError) = (Self.relativeL2(fromWinograd.scalars, expected.output), Self.relativeL2(fromDirect.scalars, expected.output))
        #expect(winogradError < Self.winogradTolerance, "Winograd \(winogradError), direct \(directError)")
        #expect(winogradError < Self.winogradOverDirect * directError, "Winograd \(winogradError), direct \(directError)")
        // Really bf16 (not the fp32 path), and really not the direct convolution.
        #expect(winogradError > 10 * Double(floatVersusDoubleTolerance) / 100, "\(winogradError)")
        #expect(fromWinograd.scalars != fromDirect.scalars)
        // An image's bits do not depend on its batch: the first image alone gives the same output.
        let single = Tensor(shape: [1, height, width, cin], scalars: Array(input.scalars[0..<(height * width * cin)]))
        let alone = conv.forward(single, parameters: parameters, workspace: workspace, bf16: winograd).output
        #expect(alone.scalars == Array(fromWinograd.scalars[0..<(height * width * cout)]))
    }

    /// The whole §8 UNet with bf16 Winograd against fp32 (random N(0, 0.05²) weights, as in
    /// BF16InferenceTests): within the same 2 % (L2) bound as the direct bf16 path, at most twice
    /// the direct path's error, and each image's bits independent of the rest of its 16-image batch.
    @Test func wholeNetworkCloseToFP32() throws {
        var random = RandomSource(seed: 11)
        let fp32 = UNet(configuration: .fashionMNIST, random: &random)
        var parameters = fp32.parameters
        randomize(&parameters, &random, scale: 0.05)
        fp32.parameters = parameters
        var scratch = RandomSource(seed: 0)
        let winograd = UNet(configuration: .fashionMNIST, random: &scratch), direct = UNet(configuration: .fashionMNIST, random: &scratch)
        (winograd.parameters, direct.parameters) = (parameters, parameters)
        try winograd.useBF16Inference(winograd: true)
        try direct.useBF16Inference(winograd: false)
        var inputs = RandomSource(seed: 3)
        let x = randomTensor([16, 28, 28, 1], &inputs)
        let times = (0..<16).map { _ in Float(inputs.uniform()) }, labels = (0..<16).map { _ in inputs.index(below: 11) }
        let reference = doubles(fp32.velocity(x, times: times, labels: labels).scalars)
        let fromWinograd = winograd.velocity(x, times: times, labels: labels).scalars
        let (winogradError, directError) = (
            Self.relativeL2(fromWinograd, reference), Self.relativeL2(direct.velocity(x, times: times, labels: labels).scalars, reference)
        )
        #expect(winogradError < 0.02 && winogradError > 1e-5, "Winograd \(winogradError), direct \(directError)")
        #expect(winogradError < 2 * directError, "Winograd \(winogradError), direct \(directError)")
        // Image 0 with other images beside it: the same bits.
        var mixed = x.scalars
        var otherInputs = RandomSource(seed: 4)
        for i in 784..<mixed.count { mixed[i] = Float(otherInputs.normal()) }
        let beside = winograd.velocity(Tensor(shape: x.shape, scalars: mixed), times: times, labels: labels).scalars
        #expect(Array(beside[0..<784]) == Array(fromWinograd[0..<784]))
    }
}
