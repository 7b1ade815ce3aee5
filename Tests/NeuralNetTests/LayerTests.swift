// Linear, GroupNorm, SiLU, upsampling, concatenation and self-attention: fast Float forward against
// the Double reference, and fast backward against finite differences of the reference.
import NeuralNet
import TensorCore
import TestSupport
import Testing

struct LayerTests {
    @Test func linearMatchesReference() {
        var random = RandomSource(seed: 21)
        var parameters = ParameterSet()
        let layer = Linear(name: "fc", inputWidth: 5, outputWidth: 3, parameters: &parameters, random: &random)
        let input = randomTensor([4, 5], &random)
        let (output, cache) = layer.forward(input, parameters: parameters)
        let w = doubles(parameters, layer.weight), b = doubles(parameters, layer.bias), x = doubles(input.scalars)
        func reference(_ x: [Double], _ w: [Double], _ b: [Double]) -> [Double] {
            Reference.linear(x, rows: 4, weight: w, bias: b, inputWidth: 5, outputWidth: 3)
        }
        #expect(relativeError(output.scalars, reference(x, w, b)) < floatVersusDoubleTolerance)
        let dOutput = randomScalars(output.count, &random)
        var gradients = parameters.zeros()
        let dInput = layer.backward(
            Tensor(shape: output.shape, scalars: dOutput), cache: cache, parameters: parameters,
            gradients: &gradients)
        #expect(
            relativeError(dInput.scalars, numericalGradient(x) { projected(reference($0, w, b), dOutput) }) < floatVersusDoubleTolerance)
        #expect(
            relativeError(gradients[layer.weight].scalars, numericalGradient(w) { projected(reference(x, $0, b), dOutput) })
                < floatVersusDoubleTolerance)
        #expect(
            relativeError(gradients[layer.bias].scalars, numericalGradient(b) { projected(reference(x, w, $0), dOutput) })
                < floatVersusDoubleTolerance)
    }

    @Test(arguments: [1, 2, 4])
    func groupNormMatchesReference(groups: Int) {
        var random = RandomSource(seed: 22)
        var parameters = ParameterSet()
        let norm = GroupNorm(name: "gn", channels: 4, groupCount: groups, parameters: &parameters)
        randomize(&parameters, &random, scale: 1)
        // An offset makes the mean large against the spread, which a one-pass variance would get wrong.
        var input = randomTensor([3, 3, 2, 4], &random)
        input.scalars = input.scalars.map { $0 + 5 }
        let (output, cache) = norm.forward(input, parameters: parameters)
        let g = doubles(parameters, norm.weight), b = doubles(parameters, norm.bias), x = doubles(input.scalars)
        func reference(_ x: [Double], _ g: [Double], _ b: [Double]) -> [Double] {
            Reference.groupNorm(x, batch: 3, channels: 4, groups: groups, weight: g, bias: b)
        }
        #expect(relativeError(output.scalars, reference(x, g, b)) < floatVersusDoubleTolerance)
        let dOutput = randomScalars(output.count, &random)
        var gradients = parameters.zeros()
        let dInput = norm.backward(
            Tensor(shape: output.shape, scalars: dOutput), cache: cache, parameters: parameters,
            gradients: &gradients)
        #expect(
            relativeError(dInput.scalars, numericalGradient(x) { projected(reference($0, g, b), dOutput) }) < floatVersusDoubleTolerance)
        #expect(
            relativeError(gradients[norm.weight].scalars, numericalGradient(g) { projected(reference(x, $0, b), dOutput) })
                < floatVersusDoubleTolerance)
        #expect(
            relativeError(gradients[norm.bias].scalars, numericalGradient(b) { projected(reference(x, g, $0), dOutput) })
                < floatVersusDoubleTolerance)
    }

    @Test func siluMatchesReferenceIncludingExtremes() {
        var random = RandomSource(seed: 23)
        // 37 elements: not a multiple of 8, so the vector tail is exercised; ±100 hit the exp clamps.
        var values = randomScalars(35, &random, scale: 4)
        values += [100, -100]
        let input = Tensor(shape: [37], scalars: values)
        let (output, cache) = SiLU.forward(input)
        #expect(relativeError(output.scalars, Reference.silu(doubles(values))) < floatVersusDoubleTolerance)
        let dOutput = randomScalars(37, &random)
        let dInput = SiLU.backward(Tensor(shape: [37], scalars: dOutput), cache: cache)
        let numerical = numericalGradient(doubles(values)) { projected(Reference.silu($0), dOutput) }
        #expect(relativeError(dInput.scalars, numerical) < floatVersusDoubleTolerance)
    }

    @Test func upsampleAndConcatenationAreAdjointsOfTheirBackward() {
        var random = RandomSource(seed: 24)
        let input = randomTensor([2, 3, 2, 3], &random)
        let output = NearestUpsample.forward(input)
        #expect(output.shape == [2, 6, 4, 3])
        #expect(output.scalars == floats(Reference.upsample(doubles(input.scalars), shape: input.shape)))
        let dOutput = randomScalars(output.count, &random)
        let dInput = NearestUpsample.backward(Tensor(shape: output.shape, scalars: dOutput))
        let numerical = numericalGradient(doubles(input.scalars)) { projected(Reference.upsample($0, shape: input.shape), dOutput) }
        #expect(relativeError(dInput.scalars, numerical) < floatVersusDoubleTolerance)

        let first = randomTensor([2, 3, 2], &random), second = randomTensor([2, 3, 5], &random)
        let joined = ChannelConcatenation.forward(first, second)
        #expect(joined.shape == [2, 3, 7])
        #expect(Array(joined.scalars[7..<9]) == Array(first.scalars[2..<4]))
        #expect(Array(joined.scalars[9..<14]) == Array(second.scalars[5..<10]))
        let (dFirst, dSecond) = ChannelConcatenation.backward(joined, firstChannels: 2)
        #expect(dFirst == first && dSecond == second)
    }

    @Test(arguments: [1, 2])
    func attentionMatchesReference(heads: Int) {
        var random = RandomSource(seed: 25)
        var parameters = ParameterSet()
        let attention = MultiHeadSelfAttention(
            name: "attn", channels: 4, headCount: heads,
            parameters: &parameters, random: &random)
        randomize(&parameters, &random, scale: 0.5)
        let input = randomTensor([2, 3, 3, 4], &random)
        let (output, cache) = attention.forward(input, parameters: parameters)
        let indices = [attention.qkv.weight, attention.qkv.bias, attention.projection.weight, attention.projection.bias]
        let base = indices.map { doubles(parameters, $0) }
        func reference(_ x: [Double], _ p: [[Double]]) -> [Double] {
            Reference.attention(
                x, batch: 2, channels: 4, heads: heads, qkvWeight: p[0], qkvBias: p[1],
                projectionWeight: p[2], projectionBias: p[3])
        }
        let x = doubles(input.scalars)
        #expect(relativeError(output.scalars, reference(x, base)) < floatVersusDoubleTolerance)
        let dOutput = randomScalars(output.count, &random)
        var gradients = parameters.zeros()
        let dInput = attention.backward(
            Tensor(shape: output.shape, scalars: dOutput), cache: cache,
            parameters: parameters, gradients: &gradients)
        #expect(
            relativeError(dInput.scalars, numericalGradient(x) { projected(reference($0, base), dOutput) }) < floatVersusDoubleTolerance)
        for (slot, index) in indices.enumerated() {
            let numerical = numericalGradient(base[slot]) { changed in
                var p = base
                p[slot] = changed
                return projected(reference(x, p), dOutput)
            }
            #expect(relativeError(gradients[index].scalars, numerical) < floatVersusDoubleTolerance, "\(parameters.names[index])")
        }
    }
}
