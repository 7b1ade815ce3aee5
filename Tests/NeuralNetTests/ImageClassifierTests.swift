// The evaluation classifier: shapes, features feeding the logits, a finite-difference gradient check
// on a tiny configuration, and that a few Adam steps fit a small labelled batch.
import NeuralNet
import TensorCore
import TestSupport
import Testing

struct ImageClassifierTests {
    static let tiny = ImageClassifierConfiguration(
        imageHeight: 8, imageWidth: 8, imageChannels: 1, widths: [4, 8],
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
        let worst = worstGradientError(
            of: classifier, parameters: \.parameters.tensors, gradients: gradients.tensors,
            step: 1e-2, floor: 1e-2,
            elements: { _, count in (0..<2).map { _ in random.index(below: count) } }
        ) {
            Double(classifier.lossAndGradients(images, labels: labels).loss)
        }
        #expect(worst.error < Self.tolerance, "worst relative error \(worst.error) at \(classifier.parameters.names[worst.tensor])")
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
