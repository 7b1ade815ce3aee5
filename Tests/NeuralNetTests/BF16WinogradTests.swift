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
        let winograd = try BF16Weights.convolutions([conv], parameters: parameters)
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
}
