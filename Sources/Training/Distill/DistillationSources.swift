// Where a distillation gets its inputs and what it publishes: the base teacher (a zoo model or a
// training run's EMA weights) with its data set, the image folder to distill on (checked against the
// data the teacher learned), a narrowed student architecture, and the zoo record of each student
// (kind student, parent = teacher blob, baked guidance or guidance range in metadata, default scale
// as the sampler default, the command line as its recipe).
import Foundation
import Generation
import ModelStore
import NeuralNet
import TensorCore
import Vocabulary

/// The base teacher with what a distillation needs to know about its origin.
public struct TeacherSource {
    public var teacher: DistillationTeacher
    /// "fashion-mnist/teacher@3" or "runs/teacher/checkpoint.safetensors@step-3900".
    public var label: String
    /// The zoo blob (the first student's parent); nil for a training run.
    public var blob: Digest?
    /// The teacher's data set as its manifest or recipe records it; students are recorded under it.
    public var dataset: String
    /// The digest of the data the teacher was trained on, when recorded.
    public var datasetDigest: String?
    public var defaultGuidance: Double
    /// The teacher's class names when its data set names its own (an image folder); students inherit them.
    public var classNames: [String]?

    /// A zoo teacher (or student) by reference; an unrecorded data set is Fashion-MNIST.
    public static func zoo(_ reference: String, from store: ModelStore) throws -> TeacherSource {
        let model = try ZooVelocityModel.load(reference, from: store)
        let details = model.manifest.details
        return TeacherSource(
            teacher: DistillationTeacher(network: model.network, architecture: model.architecture, path: model.path),
            label: model.label, blob: model.manifest.blob, dataset: details.dataset?.name ?? DatasetName.fashionMNIST.text,
            datasetDigest: details.dataset?.digest?.description, defaultGuidance: model.defaults.guidance,
            classNames: details.classNames)
    }

    /// A `kac train` run directory: its checkpoint's EMA weights, sampled unguided by default.
    public static func trainingRun(_ directory: String) throws -> TeacherSource {
        let checkpointPath = TeacherRun.checkpointPath(in: directory)
        let (recipe, state) = try TrainingState.load(from: checkpointPath)
        return TeacherSource(
            teacher: DistillationTeacher(
                network: recipe.network(weights: state.average.shadow), architecture: recipe.architecture, path: recipe.path),
            label: "\(checkpointPath)@step-\(state.step)", blob: nil, dataset: recipe.dataset,
            datasetDigest: recipe.datasetDigest, defaultGuidance: 1, classNames: recipe.classNames)
    }

    /// A labelled image folder decoded at the teacher's image size and channels (cached in
    /// `cacheDirectory`). A folder that decodes to other data than the teacher was trained on is
    /// refused unless `allowOther` — e.g. its held-out split by mistake. The data keep the teacher's
    /// data set name (so presets for that data set find the students), whatever the folder is called.
    public func folderData(
        _ path: String, cacheDirectory: String, allowOther: Bool, log: (String) -> Void
    ) throws -> TrainingData {
        guard case .unet(let unet) = teacher.architecture, unet.imageHeight == unet.imageWidth else {
            throw DistillationError.invalidConfiguration("--data \(path) is an image folder, but the teacher does not take square images")
        }
        let loaded = try LoadedImageFolder.load(
            path, options: ImageFolderOptions(imageSize: unet.imageHeight, channels: unet.imageChannels),
            cacheDirectory: cacheDirectory, log: log)
        let classCount = loaded.decoded.dataset.classNames.count
        guard classCount == unet.classCount else {
            throw DistillationError.invalidConfiguration("--data \(path) has \(classCount) classes, the teacher \(unet.classCount)")
        }
        let digest = loaded.decoded.digest.description
        if let expected = datasetDigest, expected != digest, !allowOther {
            throw DistillationError.invalidConfiguration(
                "--data \(path) decodes to data digest \(digest), but \(label) was trained on data set "
                    + "\(dataset) with digest \(expected); give the folder it was trained on, or --allow-other-data to "
                    + "distill on this one (the students are still recorded under data set \(dataset))")
        }
        return TrainingData(dataset: loaded.decoded.dataset, name: dataset, digest: digest)
    }

    /// The zoo record of a finished stage's student: `PREFIX/student-M`, its parent `parent`.
    public func publication(
        _ student: DistilledStudent, report: StageReport, prefix: String, parent: Digest?,
        configuration: DistillationConfiguration, dataName: String, datasetDigest: String?, command: String
    ) throws -> VelocityModelPublication {
        let stage = student.stage
        var metadata = DistilledCheckpointOrigin(configuration: configuration, stage: stage, teacherSource: label).metadata
        for (key, value) in report.evaluation?.metrics ?? [:] { metadata["evaluation.\(key)"] = String(value) }
        return VelocityModelPublication(
            name: "\(prefix)/student-\(stage.studentSteps)", kind: .student, weights: student.network.parameters,
            architecture: student.architecture, path: student.path, defaults: student.settings,
            classNames: classNames, parent: parent,
            dataset: DatasetReference(name: dataName, digest: try datasetDigest.map { try Digest(parsing: $0) }),
            command: command, seed: configuration.seed, trainingSteps: report.trainingSteps,
            evaluations: report.evaluation?.evaluations ?? [], metadata: metadata)
    }
}

extension NetworkArchitecture {
    /// This architecture with a smaller width (MLP hidden width, UNet base width), for a narrower student.
    public func narrowed(width: Int) throws(DistillationError) -> NetworkArchitecture {
        guard width > 0 else { throw .invalidConfiguration("--student-width must be positive") }
        switch self {
        case .mlp(var configuration):
            configuration.hiddenWidth = width
            return .mlp(configuration)
        case .unet(var configuration):
            guard width % configuration.groupCount == 0 else {
                throw .invalidConfiguration(
                    "--student-width \(width) must be a multiple of the UNet's \(configuration.groupCount) norm groups")
            }
            configuration.baseWidth = width
            return .unet(configuration)
        }
    }
}

extension Distiller {
    /// `--fresh`: removes RUN/distillation.json and every RUN/stage-* directory (nothing else).
    public static func discardStages(in directory: String) throws {
        let manager = FileManager.default
        guard let names = try? manager.contentsOfDirectory(atPath: directory) else { return }
        for name in names where name == "distillation.json" || name.hasPrefix("stage-") {
            try manager.removeItem(atPath: directory + "/" + name)
        }
    }
}
