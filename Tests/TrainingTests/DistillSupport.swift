// Shared fixtures of the distillation tests: one small eight-Gaussians teacher trained once per
// test process (the toy recipe of ToyTrainingTests, shortened), a helper that distills it, and the
// comparison of two generators' point clouds (same labels and seed) by sliced Wasserstein distance.
import Foundation
import Generation
import KacFlow
import NeuralNet
import TensorCore
import Training
import Vocabulary

/// A trained toy teacher; a class so the lazily trained global can be shared by tests.
final class ToyTeacher: @unchecked Sendable {
    let recipe: TrainingRecipe
    let network: any VelocityNetwork
    let data: LabeledDataset
    let trainingSeconds: Double

    init(steps: Int, hiddenWidth: Int) {
        var recipe = toyRecipe(steps: steps)
        recipe.architecture = .mlp(
            MLPVelocityConfiguration(
                dimension: 2, hiddenWidth: hiddenWidth, hiddenLayers: 3,
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
        try Distiller(
            configuration: configuration, runDirectory: directory, dataset: data,
            datasetName: "eight-gaussians", teacher: teacher, teacherSource: "toy teacher")
    }
}

/// Trained on first use (Swift globals are initialised lazily and exactly once).
let sharedToyTeacher = ToyTeacher(steps: 2500, hiddenWidth: 128)

/// The toy distillation recipe the tests share; stages and start points vary per test.
func toyDistillation(
    stages: [Int], start: DistillationStart, stepsPerStage: Int, batchSize: Int = 256,
    learningRate: Double = 1e-3, poolSize: Int = 4096,
    studentArchitecture: NetworkArchitecture? = nil,
    initialization: StudentInitialization = .leadingSlice,
    guidance: Double = 1, guidanceRange: ClosedRange<Double>? = nil
) -> DistillationConfiguration {
    DistillationConfiguration(
        stepSchedule: stages, start: start, teacherIntegrator: .euler, guidance: guidance, guidanceRange: guidanceRange,
        training: FlowTrainingConfiguration(
            batchSize: batchSize, learningRate: learningRate, emaDecay: 0.99,
            labelDropout: 0.1, totalSteps: stepsPerStage),
        trajectoryPoolSize: poolSize, studentArchitecture: studentArchitecture,
        studentInitialization: initialization, seed: 5)
}

/// 2000 points of `generator` at `settings`, labels cycling over the eight classes, prior seed 1234
/// (the PointCloudEvaluator's): two generators compared on these see the same prior draws.
func toyPoints(_ generator: Generator, settings: SamplingSettings, count: Int = 2000) -> Tensor {
    generator.generate(labels: (0..<count).map { $0 % 8 }, seed: 1234, firstIndex: 0, settings: settings).samples
}

/// The toy teacher's 100-step Euler points at guidance `scale`: the reference a student is held to.
func toyTeacherPoints(guidance scale: Double) -> Tensor {
    toyPoints(sharedToyTeacher.generator, settings: SamplingSettings(integrator: .euler, steps: 100, guidance: scale))
}
