// End-to-end Kac flow matching on 2-D data: the trained MLP's samples are as close to the target
// as a fresh target sample is, and a run interrupted and resumed ends with identical weights.
import Foundation
import Generation
import KacFlow
import NeuralNet
import TensorCore
import TestSupport
import Testing
import Training
import Vocabulary

/// The toy recipe shared by the tests (and by the distillation tests): small MLP, eight Gaussians.
func toyRecipe(steps: Int, seed: UInt64 = 11) -> TrainingRecipe {
    TrainingRecipe(
        architecture: .mlp(
            MLPVelocityConfiguration(
                dimension: 2, hiddenWidth: 256, hiddenLayers: 3,
                embeddingWidth: 32, classCount: 8)),
        training: FlowTrainingConfiguration(
            batchSize: 256, learningRate: 2e-3, emaDecay: 0.995,
            labelDropout: 0.1, totalSteps: steps),
        dataset: "toy:eight-gaussians", seed: seed, command: "test")
}

func toyObjective(recipe: TrainingRecipe) -> (FlowMatchingObjective, Int) {
    var random = RandomSource(seed: 99)
    let data = ToyDataset.eightGaussians.sample(count: 8192, random: &random)
    let objective = FlowMatchingObjective(
        dataset: data, path: KacPath(configuration: recipe.path),
        labelDropout: recipe.training.labelDropout,
        nullLabel: recipe.architecture.classCount)
    return (objective, data.count)
}

@Suite struct ToyTrainingTests {
    @Test func trainedSamplesMatchTheTargetDistribution() throws {
        let recipe = toyRecipe(steps: 4000)
        let (objective, count) = toyObjective(recipe: recipe)
        let trainer = Trainer(recipe: recipe, objective: objective, datasetCount: count)
        try trainer.run(checkpointPath: nil, checkpointEvery: 1000, progress: nil)

        let sampleCount = 2000
        let generator = Generator(network: trainer.averagedNetwork(), architecture: recipe.architecture, path: recipe.path)
        var random = RandomSource(seed: 1234)
        let target = ToyDataset.eightGaussians.sample(count: sampleCount, random: &random).samples
        let reference = ToyDataset.eightGaussians.sample(count: sampleCount, random: &random).samples
        let sampleNoise = SlicedWasserstein.distance(reference, target)
        // Unconditional (null label) and class-conditional with labels cycling over the eight
        // components, i.e. the target's own class mix.
        for labels in [
            Array(repeating: recipe.architecture.classCount, count: sampleCount),
            (0..<sampleCount).map { $0 % 8 },
        ] {
            let generated = generator.generate(
                labels: labels, seed: 5, firstIndex: 0,
                settings: SamplingSettings(integrator: .euler, steps: 100)
            ).samples
            let modelDistance = SlicedWasserstein.distance(generated, target)
            // The bar: within 2× of two independent target samples of the same size.
            #expect(modelDistance < 2 * sampleNoise, "SW model \(modelDistance) vs sampling noise \(sampleNoise)")
        }
    }

    @Test func resumedRunEqualsUninterruptedRun() throws {
        let recipe = toyRecipe(steps: 40)
        let (objective, count) = toyObjective(recipe: recipe)
        let straight = Trainer(recipe: recipe, objective: objective, datasetCount: count)
        try straight.run(checkpointPath: nil, checkpointEvery: 1000, progress: nil)

        let directory = TemporaryDirectory()
        let path = directory.file("checkpoint.safetensors")
        let first = Trainer(recipe: recipe, objective: objective, datasetCount: count)
        for _ in 0..<20 { first.step() }
        try first.save(to: path)
        // "Kill": drop the first trainer, rebuild everything from the file alone.
        let (loadedRecipe, state) = try TrainingState.load(from: path)
        #expect(loadedRecipe == recipe)
        #expect(state.step == 20)
        let resumed = Trainer(recipe: loadedRecipe, state: state, objective: objective, datasetCount: count)
        try resumed.run(checkpointPath: nil, checkpointEvery: 1000, progress: nil)

        #expect(resumed.state.step == 40)
        #expect(resumed.state.weights == straight.state.weights)
        #expect(resumed.state.average.shadow == straight.state.average.shadow)
        #expect(resumed.state.optimizer == straight.state.optimizer)
    }
}
