// oneDNN's bf16 convolution (BF16Convolution) against the Double reference convolution of the same
// inputs and weights rounded to bf16 (nearest-even): equal up to fp32 summation order, so a wrong
// layout, padding or stride, or a bias dropped, cannot hide inside bf16's own rounding error. Covers
// the UNet's three kinds (3×3 stride 1, 3×3 stride 2, 1×1) at odd sizes and an odd batch.
import NeuralNet
import TensorCore
import TestSupport
import Testing

@Suite(.enabled(if: BF16.isSupported, "this CPU lacks AVX512_BF16"))
struct BF16ConvolutionTests {
    static func roundedToBF16(_ x: Float) -> Float {
        let bits = x.bitPattern
        return Float(bitPattern: (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) & 0xFFFF_0000)
    }

    @Test(arguments: [(3, 1, 1), (3, 2, 1), (1, 1, 0)])
    func matchesTheReferenceOnRoundedInputs(geometry: (kernel: Int, stride: Int, padding: Int)) throws {
        let (k, s, p) = geometry
        let (cin, cout) = (24, 40)
        let shape = [3, 7, 9, cin]
        var random = RandomSource(seed: 21)
        let input = randomScalars(shape.reduce(1, *), &random)
        let weight = randomScalars(k * k * cin * cout, &random, scale: 0.2)
        let bias = randomScalars(cout, &random)
        let convolution = try BF16Convolution(
            weight: weight, bias: bias, inputChannels: cin, outputChannels: cout, kernelSize: k, stride: s, padding: p)
        let expected = Reference.conv2D(
            doubles(input.map(Self.roundedToBF16)), shape: shape, weight: doubles(weight.map(Self.roundedToBF16)),
            bias: doubles(bias), outputChannels: cout, kernelSize: k, stride: s, padding: p)
        var output = [Float](repeating: .nan, count: expected.output.count)
        convolution.forward(images: shape[0], height: shape[1], width: shape[2], input: input, output: &output)
        #expect(relativeError(output, expected.output) < floatVersusDoubleTolerance)
        // Not the unrounded convolution: the bf16 path really rounded.
        let unrounded = Reference.conv2D(
            doubles(input), shape: shape, weight: doubles(weight), bias: doubles(bias), outputChannels: cout,
            kernelSize: k, stride: s, padding: p)
        #expect(relativeError(output, unrounded.output) > 10 * floatVersusDoubleTolerance, "\(relativeError(output, unrounded.output))")
        #expect(!convolution.implementation.isEmpty)
    }

    /// A group norm's map and SiLU applied while the input is rounded: the convolution of the
    /// activation computed in fp32 first, up to the rounding kernel's cheaper exp (a bf16 input one step
    /// off in a few hundredths of a percent of places, VectorKernelTests); leaving out SiLU or the map
    /// would be off by far more (3 images at 7×9, 24 channels: a masked tail of 8).
    @Test func activationOnTheWayInMatchesActivatingFirst() throws {
        let (images, height, width, cin, cout) = (3, 7, 9, 24, 16)
        let pixels = height * width
        var random = RandomSource(seed: 22)
        let input = randomScalars(images * pixels * cin, &random, scale: 3)
        let scale = randomScalars(images * cin, &random), shift = randomScalars(images * cin, &random)
        let convolution = try BF16Convolution(
            weight: randomScalars(9 * cin * cout, &random, scale: 0.2), bias: randomScalars(cout, &random),
            inputChannels: cin, outputChannels: cout, kernelSize: 3, stride: 1, padding: 1)
        func activatedFirst(silu: Bool) -> [Float] {
            var activated = [Float](repeating: .nan, count: input.count)
            for image in 0..<images {
                let range = (image * pixels * cin)..<((image + 1) * pixels * cin)
                let channels = (image * cin)..<((image + 1) * cin)
                var part = [Float](repeating: .nan, count: range.count)
                PortableKernels.scaleAndShiftRows(
                    Array(input[range]), &part, rows: pixels, columns: cin, scale: Array(scale[channels]),
                    shift: Array(shift[channels]), silu: silu)
                activated.replaceSubrange(range, with: part)
            }
            var output = [Float](repeating: .nan, count: images * pixels * cout)
            convolution.forward(images: images, height: height, width: width, input: activated, output: &output)
            return output
        }
        var fused = [Float](repeating: .nan, count: images * pixels * cout)
        scale.withUnsafeBufferPointer { a in
            shift.withUnsafeBufferPointer { b in
                convolution.forward(
                    images: images, height: height, width: width, input: input,
                    activation: (a.baseAddress!, b.baseAddress!), output: &fused)
            }
        }
        /// ‖a − b‖₂ / ‖b‖₂: a one-step input moves a small output by much of itself, so not per element.
        func relativeL2(_ a: [Float], _ b: [Float]) -> Double {
            let difference = zip(a, b).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }
            return (difference / b.reduce(0.0) { $0 + Double($1) * Double($1) }).squareRoot()
        }
        let error = relativeL2(fused, activatedFirst(silu: true))
        #expect(error < 2e-4, "\(error)")
        #expect(relativeL2(fused, activatedFirst(silu: false)) > 0.1)
    }
}
