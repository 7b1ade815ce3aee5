// Shared fixtures of the distillation tests: one small eight-Gaussians teacher trained once per
// test process (the toy recipe of ToyTrainingTests, shortened), and a helper that distills it.
import Foundation
import KacFlow
import NeuralNet
import TensorCore
import Training

/// A trained toy teacher; a class so the lazily trained global can be shared by tests.
final class ToyTeacher: @unchecked Sendable {
    let recipe: TrainingRecipe
    let network: any VelocityNetwork
    let data: LabeledDataset
    let trainingSeconds: Double

    init(steps: Int, hiddenWidth: Int) {
        var recipe = toyRecipe(steps: steps)
        recipe.architecture = .mlp(MLPVelocityConfiguration(dimension: 2, hiddenWidth: hiddenWidth, hiddenLayers: 3,
                                                            embeddingWidth: 32, classCount: 8))
        let (objective, count) = toyObjective(recipe: recipe)
        let started = Date()
        let trainer = Trainer(recipe: recipe, objective: objective, datasetCount: count)
        for _ in 0..<steps { trainer.step() }
        self.trainingSeconds = Date().timeIntervalSince(started)
        self.recipe = recipe
        self.network = trainer.averagedNetwork()
        self.data = objective.dataset
    }

    var teacher: DistillationTeacher {
        DistillationTeacher(network: network, architecture: recipe.architecture, path: recipe.path)
    }

    var generator: Generator { Generator(network: network, architecture: recipe.architecture, path: recipe.path) }

    func distiller(_ configuration: DistillationConfiguration, directory: String) throws -> Distiller {
        try Distiller(configuration: configuration, runDirectory: directory, dataset: data,
                      datasetName: "eight-gaussians", teacher: teacher, teacherSource: "toy teacher")
    }
}

/// Trained on first use (Swift globals are initialised lazily and exactly once).
let sharedToyTeacher = ToyTeacher(steps: 2500, hiddenWidth: 128)

/// The toy distillation recipe the tests share; stages and start points vary per test.
func toyDistillation(stages: [Int], start: DistillationStart, stepsPerStage: Int, batchSize: Int = 256,
                     learningRate: Double = 1e-3, poolSize: Int = 4096,
                     studentArchitecture: NetworkArchitecture? = nil,
                     initialization: StudentInitialization = .leadingSlice) -> DistillationConfiguration {
    DistillationConfiguration(
        stepSchedule: stages, start: start, teacherIntegrator: .euler, guidance: 1,
        training: FlowTrainingConfiguration(batchSize: batchSize, learningRate: learningRate, emaDecay: 0.99,
                                            labelDropout: 0.1, totalSteps: stepsPerStage),
        trajectoryPoolSize: poolSize, studentArchitecture: studentArchitecture,
        studentInitialization: initialization, seed: 5)
}
