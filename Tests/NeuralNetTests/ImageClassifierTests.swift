// The evaluation classifier: shapes, features feeding the logits, a finite-difference gradient check
// on a tiny configuration, and that a few Adam steps fit a small labelled batch.
import NeuralNet
import TensorCore
import TestSupport
import Testing

struct ImageClassifierTests {
    static let tiny = ImageClassifierConfiguration(imageHeight: 8, imageWidth: 8, imageChannels: 1, widths: [4, 8],
                                                   hiddenWidth: 6, groupCount: 2, classCount: 3)
    /// Float forward passes differenced over a step of 1e-2 around O(1) losses.
    static let tolerance = 0.03

    @Test func shapesAndGradients() {
        var random = RandomSource(seed: 61)
        let classifier = ImageClassifier(configuration: Self.tiny, random: &random)
        randomize(&classifier.parameters, &random, scale: 0.4)
        let images = randomTensor([3, 8, 8, 1], &random)
        #expect(classifier.features(images).shape == [3, 6])
        #expect(classifier.logits(images).shape == [3, 3])
        let labels = [0, 2, 1]
        let (_, gradients) = classifier.lossAndGradients(images, labels: labels)
        let step: Float = 1e-2
        var worst = 0.0
        for index in classifier.parameters.tensors.indices {
            for _ in 0..<2 {
                let element = random.index(below: classifier.parameters[index].count)
                let original = classifier.parameters.tensors[index].scalars[element]
                classifier.parameters.tensors[index].scalars[element] = original + step
                let up = classifier.lossAndGradients(images, labels: labels).loss
                classifier.parameters.tensors[index].scalars[element] = original - step
                let down = classifier.lossAndGradients(images, labels: labels).loss
                classifier.parameters.tensors[index].scalars[element] = original
                let numerical = Double(up - down) / Double(2 * step)
                worst = max(worst, abs(Double(gradients[index].scalars[element]) - numerical) / max(abs(numerical), 1e-2))
            }
        }
        #expect(worst < Self.tolerance)
    }

    @Test func fitsASmallBatch() {
        var random = RandomSource(seed: 62)
        let classifier = ImageClassifier(configuration: Self.tiny, random: &random)
        let images = randomTensor([12, 8, 8, 1], &random)
        let labels = (0..<12).map { $0 % 3 }
        var adam = Adam(for: classifier.parameters, learningRate: 1e-2)
        for _ in 0..<60 {
            let (_, gradients) = classifier.lossAndGradients(images, labels: labels)
            adam.update(&classifier.parameters, gradients: gradients)
        }
        let logits = classifier.logits(images)
        let predicted = (0..<12).map { row in (0..<3).max { logits.scalars[row * 3 + $0] < logits.scalars[row * 3 + $1] } ?? -1 }
        #expect(predicted == labels)
    }
}
