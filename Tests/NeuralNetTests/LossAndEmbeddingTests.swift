// Losses, embeddings and the vectorised exp: values against plain formulas, gradients against
// finite differences.
import Foundation
import NeuralNet
import TensorCore
import TestSupport
import Testing

struct LossAndEmbeddingTests {
    @Test func meanSquaredErrorValueAndGradient() {
        let prediction = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4])
        let target = Tensor(shape: [2, 2], scalars: [0, 2, 5, 4])
        let (loss, gradient) = MeanSquaredError.lossAndGradient(prediction: prediction, target: target)
        #expect(loss == 1.25)
        #expect(gradient.scalars == [0.5, 0, -1, 0])
    }

    @Test func softmaxCrossEntropyMatchesReference() {
        var random = RandomSource(seed: 31)
        let logits = randomTensor([3, 4], &random, scale: 3)
        let labels = [2, 0, 3]
        let (loss, dLogits) = SoftmaxCrossEntropy.lossAndGradient(logits: logits, labels: labels)
        let reference = Reference.softmaxCrossEntropy(doubles(logits.scalars), classes: 4, labels: labels)
        #expect(abs(Double(loss) - reference) < 1e-5)
        let numerical = numericalGradient(doubles(logits.scalars)) { Reference.softmaxCrossEntropy($0, classes: 4, labels: labels) }
        #expect(relativeError(dLogits.scalars, numerical) < floatVersusDoubleTolerance)
    }

    @Test func timeEmbeddingIsCosineThenSine() {
        let embedding = SinusoidalTimeEmbedding(width: 4).forward([0, 0.001])
        // ω = (1, 1/100) for width 4; t·1000 = (0, 1).
        let expected: [Float] = [1, 1, 0, 0, Float(cos(1.0)), Float(cos(0.01)), Float(sin(1.0)), Float(sin(0.01))]
        #expect(maxRelativeError(embedding.scalars, expected) < 1e-6)
    }

    @Test func labelEmbeddingGathersAndScatterAdds() {
        var random = RandomSource(seed: 32)
        var parameters = ParameterSet()
        let labels = LabelEmbedding(name: "label", classCount: 3, width: 2, parameters: &parameters, random: &random)
        #expect(parameters[labels.table].shape == [4, 2])
        let output = labels.forward([3, 1, 3], parameters: parameters)
        let table = parameters[labels.table].scalars
        #expect(output.scalars == Array(table[6..<8]) + Array(table[2..<4]) + Array(table[6..<8]))
        var gradients = parameters.zeros()
        labels.backward(Tensor(shape: [3, 2], scalars: [1, 2, 3, 4, 5, 6]), labels: [3, 1, 3], gradients: &gradients)
        #expect(gradients[labels.table].scalars == [0, 0, 3, 4, 0, 0, 6, 8])
    }
}
