// The Fashion-MNIST IDX set and the same images written as a labelled folder
// (`kac dataset export-folder`) are one data set: identical decoded tensors and labels (the IDX
// subset in class-major order, as a folder lists it), identical digests (ImageDatasetDigest is
// class-major, so the IDX set's interleaved order digests the same), and identical first
// training steps from the same recipe.
import Foundation
import Generation
import KacFlow
import NeuralNet
import TensorCore
import TestSupport
import Testing
import Training

@Suite struct DataFolderTests {
    /// A few hundred images keep the test fast while covering every class.
    static let subset = 300

    @Test func idxAndExportedFolderAreTheSameDataSet() throws {
        let idx = try FashionMNIST.load(.train, limit: Self.subset)
        #expect(idx.count == Self.subset)
        let root = TemporaryDirectory()
        try ImageFolderExport.write(idx, to: root.file("fashion"))

        let folder = try ImageFolder.scan(root: root.file("fashion"))
        #expect(folder.classNames == FashionMNIST.classNames && folder.strayFiles.isEmpty)
        let decoded = try ImageFolderLoader.load(folder, options: ImageFolderOptions(imageSize: 28, channels: 1))
        #expect(decoded.skipped.isEmpty)
        let grouped = idx.groupedByClass()
        #expect(decoded.dataset.samples.shape == [Self.subset, 28, 28, 1])
        #expect(decoded.dataset.labels == grouped.labels)
        #expect(decoded.dataset.samples == grouped.samples)
        #expect(decoded.dataset.classNames == idx.classNames)
        #expect(decoded.digest == ImageDatasetDigest.digest(of: idx))
        #expect(decoded.digest == ImageDatasetDigest.digest(of: grouped))

        // Same recipe, same seed: the first steps see the same batches and end at the same weights.
        let recipe = TrainingRecipe(
            architecture: .unet(
                UNetConfiguration(
                    imageHeight: 28, imageWidth: 28, imageChannels: 1, baseWidth: 8, widthMultipliers: [1, 2],
                    residualBlocksPerLevel: 1, attentionResolutions: [14], attentionHeads: 2, groupCount: 4,
                    classCount: 10)),
            training: FlowTrainingConfiguration(batchSize: 16, totalSteps: 3),
            dataset: "fashion-mnist", datasetDigest: decoded.digest.description, seed: 5, command: "test")
        func firstSteps(_ dataset: LabeledDataset) -> (losses: [Float], weights: ParameterSet) {
            let objective = FlowMatchingObjective(
                dataset: dataset, path: KacPath(configuration: recipe.path), labelDropout: 0.1, nullLabel: 10)
            let trainer = Trainer(recipe: recipe, objective: objective, datasetCount: dataset.count)
            let losses = (0..<3).map { _ in trainer.step().loss }
            return (losses, trainer.state.weights)
        }
        let fromIDX = firstSteps(grouped), fromFolder = firstSteps(decoded.dataset)
        #expect(fromIDX.losses == fromFolder.losses)
        #expect(fromIDX.weights == fromFolder.weights)
    }

    @Test func exportRefusesAFolderThatIsNotEmpty() throws {
        let root = TemporaryDirectory()
        try Data("x".utf8).write(to: URL(fileURLWithPath: root.file("old.txt")))
        let idx = try FashionMNIST.load(.test, limit: 3)
        #expect(throws: DatasetError.self) { try ImageFolderExport.write(idx, to: root.path) }
    }
}
