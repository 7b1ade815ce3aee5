// Where `kac distill` gets its inputs and what it publishes: the base teacher (zoo reference or a
// training run's EMA weights), the dataset, a narrowed student architecture, and the zoo record of
// each student (kind student, parent = teacher blob, baked guidance or guidance range in metadata,
// default scale as the sampler default, recipe as command).
import ArgumentParser
import Foundation
import Generation
import KacFlow
import ModelStore
import NeuralNet
import TensorCore
import Training

/// The base teacher with what the CLI needs to know about its origin.
struct TeacherSource {
    var teacher: DistillationTeacher
    /// "fashion-mnist/teacher@3" or "runs/teacher/checkpoint.safetensors@3900".
    var label: String
    /// The zoo blob (the first student's parent); nil for a training run.
    var blob: Digest?
    /// The teacher's data set as its manifest or recipe records it; students are recorded under it.
    var dataset: String
    /// The digest of the data the teacher was trained on, when recorded.
    var datasetDigest: String? = nil
    var defaultGuidance: Double
    /// The teacher's class names when its data set names its own (an image folder); students inherit them.
    var classNames: [String]? = nil
}

extension DistillCommand {
    func loadTeacher() throws -> TeacherSource {
        switch (teacher, teacherRun) {
        case (let reference?, nil):
            let model = try ZooVelocityModel.load(reference, from: try zoo.open(create: false))
            return TeacherSource(
                teacher: DistillationTeacher(network: model.network, architecture: model.architecture, path: model.path),
                label: model.label, blob: model.manifest.blob,
                dataset: model.manifest.details.dataset?.name ?? "fashion-mnist",
                datasetDigest: model.manifest.details.dataset?.digest?.description, defaultGuidance: model.defaults.guidance,
                classNames: model.manifest.details.classNames)
        case (nil, let directory?):
            let checkpointPath = directory + "/checkpoint.safetensors"
            let (recipe, state) = try TrainingState.load(from: checkpointPath)
            var scratch = RandomSource(seed: 0)
            let network = recipe.architecture.makeNetwork(random: &scratch)
            network.parameters = state.average.shadow
            return TeacherSource(
                teacher: DistillationTeacher(network: network, architecture: recipe.architecture, path: recipe.path),
                label: "\(checkpointPath)@step-\(state.step)", blob: nil, dataset: recipe.dataset,
                datasetDigest: recipe.datasetDigest, defaultGuidance: 1, classNames: recipe.classNames)
        default:
            throw ValidationError("give exactly one of --teacher REF (zoo) or --teacher-run DIR (a `kac train` run)")
        }
    }

    func publication(
        _ student: DistilledStudent, report: StageReport, prefix: String, parent: Digest?,
        configuration: DistillationConfiguration, source: TeacherSource, dataName: String,
        datasetDigest: String?
    ) throws -> VelocityModelPublication {
        let stage = student.stage
        var metadata =
            DistilledCheckpointOrigin(configuration: configuration, stage: stage, teacherSource: source.label).metadata
        for (key, value) in report.evaluation?.metrics ?? [:] { metadata["evaluation.\(key)"] = String(value) }
        return VelocityModelPublication(
            name: "\(prefix)/student-\(stage.studentSteps)", kind: .student, weights: student.network.parameters,
            architecture: student.architecture, path: student.path, defaults: student.settings,
            classNames: source.classNames, parent: parent,
            dataset: DatasetReference(name: dataName, digest: try datasetDigest.map { try Digest(parsing: $0) }),
            command: Console.invocation,
            seed: configuration.seed, trainingSteps: report.trainingSteps,
            evaluations: report.evaluation?.evaluations ?? [], metadata: metadata)
    }
}

enum DistillData {
    /// The folder's data checked against the teacher's: the student's data set is the teacher's
    /// (so presets for that data set find it), and a folder that decodes to other data than the
    /// teacher was trained on is refused unless `allowOther` — e.g. its held-out split by mistake.
    static func checkFolder(
        _ path: String, digest: String, teacher source: TeacherSource, allowOther: Bool
    ) throws {
        guard let expected = source.datasetDigest, expected != digest, !allowOther else { return }
        throw ValidationError(
            "--data \(path) decodes to data digest \(digest), but \(source.label) was trained on data set "
                + "\(source.dataset) with digest \(expected); give the folder it was trained on, or --allow-other-data to "
                + "distill on this one (the students are still recorded under data set \(source.dataset))")
    }

    /// A labelled image folder decoded at the teacher's image size and channels (cached in `cacheDirectory`).
    static func loadFolder(
        _ path: String, architecture: NetworkArchitecture, cacheDirectory: String
    ) throws -> (dataset: LabeledDataset, name: String, digest: String) {
        guard case .unet(let unet) = architecture, unet.imageHeight == unet.imageWidth else {
            throw ValidationError("--data \(path) is an image folder, but the teacher does not take square images")
        }
        let loaded = try ImageFolderArguments.load(
            path, options: ImageFolderOptions(imageSize: unet.imageHeight, channels: unet.imageChannels),
            cacheDirectory: cacheDirectory)
        guard loaded.decoded.dataset.classNames.count == unet.classCount else {
            throw ValidationError(
                "--data \(path) has \(loaded.decoded.dataset.classNames.count) classes, the teacher \(unet.classCount)")
        }
        return (loaded.decoded.dataset, loaded.name, loaded.decoded.digest.description)
    }

    static func load(_ name: String, directory: String, seed: UInt64) throws -> (LabeledDataset, String?) {
        if name == "fashion-mnist" {
            return (
                try FashionMNIST.load(.train, directory: directory),
                try FashionMNIST.trainingDigest(directory: directory).description
            )
        }
        guard let toy = ToyDataset.allCases.first(where: { $0.kebabName == name }) else {
            throw ValidationError(
                "unknown dataset '\(name)': use fashion-mnist, eight-gaussians, checkerboard, grid, paired-gaussians, "
                    + "or give --data DIR, the image folder the teacher was trained on")
        }
        var random = RandomSource(seed: seed, stream: 9)
        return (toy.sample(count: 65_536, random: &random), nil)
    }

    /// The teacher's architecture with a smaller width (MLP hidden width, UNet base width).
    static func narrowed(_ architecture: NetworkArchitecture, width: Int) throws -> NetworkArchitecture {
        guard width > 0 else { throw ValidationError("--student-width must be positive") }
        switch architecture {
        case .mlp(var configuration):
            configuration.hiddenWidth = width
            return .mlp(configuration)
        case .unet(var configuration):
            guard width % configuration.groupCount == 0 else {
                throw ValidationError("--student-width \(width) must be a multiple of the UNet's \(configuration.groupCount) norm groups")
            }
            configuration.baseWidth = width
            return .unet(configuration)
        }
    }

    /// --fresh: removes RUN/distillation.json and every RUN/stage-* directory (nothing else).
    static func discardStages(in directory: String) throws {
        let manager = FileManager.default
        guard let names = try? manager.contentsOfDirectory(atPath: directory) else { return }
        for name in names where name == "distillation.json" || name.hasPrefix("stage-") {
            try manager.removeItem(atPath: directory + "/" + name)
        }
    }
}
