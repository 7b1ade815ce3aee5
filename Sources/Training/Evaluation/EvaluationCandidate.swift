// The models `kac eval` evaluates: zoo teachers and students (in the precision asked for; a student
// only at its own setting unless the whole grid is asked for) and training runs' checkpoints, whose
// EMA weights are the model. Each carries its label in the report, its data set and class names.
import Foundation
import Generation
import ModelStore
import NeuralNet
import TensorCore
import Vocabulary

public struct EvaluationCandidate {
    /// "fashion-mnist/student-4@3", "… bf16", or "runs/teacher@step4000".
    public var label: String
    public var generator: Generator
    /// The data set the model was trained on, as recorded; nil when none was (Fashion-MNIST).
    public var dataset: String?
    /// The model's class names (a model of an image folder), for the per-class accuracy lines.
    public var classNames: [String]?
    /// A student's own sampling setting: it is evaluated only there.
    public var ownSetting: SamplingSettings?

    public init(
        label: String, generator: Generator, dataset: String?, classNames: [String]? = nil, ownSetting: SamplingSettings? = nil
    ) {
        self.label = label
        self.generator = generator
        self.dataset = dataset
        self.classNames = classNames
        self.ownSetting = ownSetting
    }

    /// Zoo models by reference from `store` in `precision`; students at their own setting unless `studentGrid`.
    public static func zooModels(
        _ references: [String], from store: ModelStore, precision: PrecisionSetting, studentGrid: Bool
    ) throws -> [EvaluationCandidate] {
        let resolved: Precision
        do { resolved = try ZooVelocityModel.resolve(precision) } catch {
            throw EvaluationError.invalidOptions(Reason("--precision \(precision)", cause: error))
        }
        return try references.map { reference in
            let model = try ZooVelocityModel.load(reference, from: store).inPrecision(resolved)
            let isStudent = model.manifest.details.kind == .student && !studentGrid
            return EvaluationCandidate(
                label: model.label + (resolved == .bf16 ? " bf16" : ""), generator: model.generator,
                dataset: model.manifest.details.dataset?.name, classNames: model.classNames.names,
                ownSetting: isStudent ? model.defaults : nil)
        }
    }

    /// A training run (its directory, or the checkpoint file itself): the EMA weights, labelled `RUN@stepN`.
    public static func trainingRun(_ run: String) throws -> EvaluationCandidate {
        var isDirectory: ObjCBool = false
        let path =
            FileManager.default.fileExists(atPath: run, isDirectory: &isDirectory) && isDirectory.boolValue
            ? TeacherRun.checkpointPath(in: run) : run
        let (recipe, state) = try TrainingState.load(from: path)
        return EvaluationCandidate(
            label: "\(run)@step\(state.step)",
            generator: Generator(
                network: recipe.network(weights: state.average.shadow), architecture: recipe.architecture, path: recipe.path),
            dataset: recipe.dataset, classNames: recipe.classNames)
    }

    /// The one data set every candidate was trained on (unrecorded: Fashion-MNIST); refused when
    /// they differ or a recorded name breaks the grammar.
    public static func commonDataset(_ candidates: [EvaluationCandidate]) throws(EvaluationError) -> DatasetName {
        var names = Set<DatasetName>()
        for candidate in candidates {
            guard let recorded = candidate.dataset else {
                names.insert(.fashionMNIST)
                continue
            }
            do { names.insert(try DatasetName(parsing: recorded)) } catch {
                throw EvaluationError.invalidDatasetName(source: candidate.label, error)
            }
        }
        guard names.count == 1, let name = names.first else {
            throw EvaluationError.invalidOptions(
                "the models were trained on different data (\(names.sorted().map(\.text).joined(separator: ", "))); evaluate them separately")
        }
        return name
    }
}

extension TrainingRecipe {
    /// A network of this recipe's architecture holding `weights` (a run's EMA weights, say).
    public func network(weights: ParameterSet) -> any VelocityNetwork {
        var scratch = RandomSource(seed: 0)
        let network = architecture.makeNetwork(random: &scratch)
        network.parameters = weights
        return network
    }
}
