// The guidance-scale input of guidance-conditioned students: the embedding layer against a Double
// reference with finite-difference gradients; a network with the input but its (zero) initial
// guidance weights computes bit-for-bit what the same network without it computes, at every s;
// parameter names of networks without the input are unchanged; configurations without the field
// (older JSON) decode as false and re-encode without it.
import Foundation
import NeuralNet
import TensorCore
import TestSupport
import Testing

struct GuidanceInputTests {
    @Test func embeddingMatchesReferenceAndStartsAtZero() {
        var random = RandomSource(seed: 61)
        var parameters = ParameterSet()
        let embedding = GuidanceEmbedding(name: "guidance", sinusoidWidth: 6, outputWidth: 3, parameters: &parameters, random: &random)
        #expect(parameters.names == ["guidance.linear.weight", "guidance.linear.bias"])
        #expect(parameters.tensors.allSatisfy { $0.scalars.allSatisfy { $0 == 0 } })
        let scales: [Float] = [1, 2.25, 0, 7.5]
        #expect(embedding.forward(scales, parameters: parameters).output.scalars.allSatisfy { $0 == 0 })

        randomize(&parameters, &random, scale: 1)
        let (output, cache) = embedding.forward(scales, parameters: parameters)
        // sinusoid(s)_i = cos(s·ω_i), sin(s·ω_i) with ω_i = 100^(−i/3): periods 2π … 2π·100^(2/3).
        let features = scales.flatMap { s -> [Double] in
            let frequencies = (0..<3).map { pow(100, -Double($0) / 3) }
            return frequencies.map { cos(Double(s) * $0) } + frequencies.map { sin(Double(s) * $0) }
        }
        let w = doubles(parameters, embedding.linear.weight), b = doubles(parameters, embedding.linear.bias)
        func reference(_ w: [Double], _ b: [Double]) -> [Double] {
            Reference.linear(features, rows: 4, weight: w, bias: b, inputWidth: 6, outputWidth: 3)
        }
        #expect(relativeError(output.scalars, reference(w, b)) < floatVersusDoubleTolerance)
        let dOutput = randomScalars(output.count, &random)
        var gradients = parameters.zeros()
        embedding.backward(Tensor(shape: output.shape, scalars: dOutput), cache: cache, parameters: parameters, gradients: &gradients)
        #expect(
            relativeError(
                gradients[embedding.linear.weight].scalars,
                numericalGradient(w) { projected(reference($0, b), dOutput) }) < floatVersusDoubleTolerance)
        #expect(
            relativeError(
                gradients[embedding.linear.bias].scalars,
                numericalGradient(b) { projected(reference(w, $0), dOutput) }) < floatVersusDoubleTolerance)
    }

    static let mlp = MLPVelocityConfiguration(dimension: 2, hiddenWidth: 16, hiddenLayers: 2, embeddingWidth: 8, classCount: 3)
    static let unet = UNetConfiguration(
        imageHeight: 8, imageWidth: 8, imageChannels: 1, baseWidth: 8, widthMultipliers: [1, 2],
        residualBlocksPerLevel: 1, attentionResolutions: [4], attentionHeads: 2,
        groupCount: 4, classCount: 3)

    /// Builds `plain` and its guidance-conditioned twin from one seed, gives both the same random
    /// weights (the twin's guidance weights stay zero) and compares outputs at several scales.
    func expectTwinsAgree(plain: any VelocityNetwork, conditioned: any VelocityNetwork, x: Tensor, labels: [Int]) {
        #expect(!plain.hasGuidanceInput && conditioned.hasGuidanceInput)
        let names = Set(conditioned.parameters.names).subtracting(plain.parameters.names)
        #expect(names == ["guidance.linear.weight", "guidance.linear.bias"])
        // The zero layer draws nothing: every shared tensor has the same initial value in both.
        for (name, tensor) in plain.parameters.entries { #expect(conditioned.parameters[name] == tensor, "\(name)") }

        var random = RandomSource(seed: 63)
        randomize(&plain.parameters, &random, scale: 0.3)
        var weights = conditioned.parameters
        for (index, name) in weights.names.enumerated() {
            if let tensor = plain.parameters[name] { weights[index] = tensor }
        }
        conditioned.parameters = weights
        let count = labels.count
        let times = (0..<count).map { Float($0 + 1) / Float(count + 1) }
        let expected = plain.velocity(x, times: times, labels: labels)
        #expect(expected.scalars.contains { $0 != 0 })
        for scale: Float in [0, 1, 1.5, 3, 9] {
            let output = conditioned.velocity(x, times: times, labels: labels, guidance: Array(repeating: scale, count: count))
            #expect(output == expected, "s = \(scale)")
        }
    }

    @Test func zeroGuidanceWeightsReproduceTheNetworkWithoutTheInput() {
        var conditionedMLP = Self.mlp, conditionedUNet = Self.unet
        conditionedMLP.guidanceInput = true
        conditionedUNet.guidanceInput = true
        var a = RandomSource(seed: 5), b = RandomSource(seed: 5), data = RandomSource(seed: 6)
        expectTwinsAgree(
            plain: MLPVelocityNetwork(configuration: Self.mlp, random: &a),
            conditioned: MLPVelocityNetwork(configuration: conditionedMLP, random: &b),
            x: randomTensor([5, 2], &data), labels: [0, 1, 2, 3, 1])
        expectTwinsAgree(
            plain: UNet(configuration: Self.unet, random: &a), conditioned: UNet(configuration: conditionedUNet, random: &b),
            x: randomTensor([3, 8, 8, 1], &data), labels: [0, 3, 2])
    }

    @Test func networksWithoutTheInputKeepTheirParameterNames() {
        var random = RandomSource(seed: 1)
        let names = UNet(configuration: .fashionMNIST, random: &random).parameters.names
        #expect(!names.contains { $0.hasPrefix("guidance") })
        #expect(
            names.prefix(5) == [
                "time.linear1.weight", "time.linear1.bias", "time.linear2.weight", "time.linear2.bias",
                "label.embedding.weight",
            ])
        let mlpNames = MLPVelocityNetwork(configuration: Self.mlp, random: &random).parameters.names
        #expect(
            mlpNames == [
                "label.embedding.weight", "input.weight", "input.bias", "hidden.1.weight", "hidden.1.bias",
                "output.weight", "output.bias",
            ])
    }

    @Test func configurationsWithoutTheFieldDecodeAsFalseAndEncodeWithoutIt() throws {
        let oldUNet =
            #"{"imageHeight":28,"imageWidth":28,"imageChannels":1,"baseWidth":32,"widthMultipliers":[1,2,2],"residualBlocksPerLevel":1,"attentionResolutions":[7],"attentionHeads":4,"groupCount":8,"classCount":10}"#
        let oldMLP = #"{"dimension":2,"hiddenWidth":128,"hiddenLayers":3,"embeddingWidth":32,"classCount":8}"#
        let unet = try JSONDecoder().decode(UNetConfiguration.self, from: Data(oldUNet.utf8))
        let mlp = try JSONDecoder().decode(MLPVelocityConfiguration.self, from: Data(oldMLP.utf8))
        #expect(unet == .fashionMNIST && !unet.guidanceInput && !mlp.guidanceInput)
        // Re-encoded: the same keys (no guidanceInput) with the same values.
        let encoder = JSONEncoder()
        let fields = { (data: Data) throws -> [String: JSONAny] in try JSONDecoder().decode([String: JSONAny].self, from: data) }
        #expect(try fields(try encoder.encode(unet)) == (try fields(Data(oldUNet.utf8))))
        #expect(try fields(try encoder.encode(mlp)) == (try fields(Data(oldMLP.utf8))))

        var conditioned = unet
        conditioned.guidanceInput = true
        let text = String(decoding: try encoder.encode(conditioned), as: UTF8.self)
        #expect(text.contains(#""guidanceInput":true"#))
        #expect(try JSONDecoder().decode(UNetConfiguration.self, from: Data(text.utf8)) == conditioned)
        var conditionedMLP = mlp
        conditionedMLP.guidanceInput = true
        #expect(try JSONDecoder().decode(MLPVelocityConfiguration.self, from: try encoder.encode(conditionedMLP)) == conditionedMLP)
    }
}

/// A JSON number or array of numbers: enough to compare the configurations above field by field.
enum JSONAny: Codable, Equatable {
    case number(Double), array([Double])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else {
            self = .array(try container.decode([Double].self))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .number(let value): try container.encode(value)
        case .array(let values): try container.encode(values)
        }
    }
}
