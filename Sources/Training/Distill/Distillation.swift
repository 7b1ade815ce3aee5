// `kac distill`'s one entry point: the base teacher (a zoo model or a training run), the data to
// distill on (an image folder checked against the teacher's data, else a built-in set), the
// configuration completed with what depends on the teacher (its guidance, a narrowed student), the
// stages run or resumed in RUN by `Distiller`, each student scored and, when asked, published as
// PREFIX/student-M with the previous student's blob — the teacher's for the first — as its parent.
import Foundation
import ModelStore
import TensorCore
import Vocabulary

public struct Distillation {
    public enum Teacher {
        /// A zoo reference.
        case zoo(String)
        /// A `kac train` run directory (its EMA weights).
        case trainingRun(String)
    }

    /// Where and how each finished student is published.
    public struct Publication {
        /// Students are published as PREFIX/student-M.
        public var prefix: String
        public var tags: [String]
        public var dtype: TensorDType
        public init(prefix: String, tags: [String], dtype: TensorDType) { (self.prefix, self.tags, self.dtype) = (prefix, tags, dtype) }
    }

    public var teacher: Teacher
    public var directory: String
    /// Every setting the options give; `run` sets the guidance and the student architecture.
    public var configuration: DistillationConfiguration
    /// The scale baked in (or, with a guidance range, the default); nil: the teacher's, moved into the range.
    public var guidance: Double?
    /// A narrower student's width; nil: the teacher's architecture.
    public var studentWidth: Int?
    /// A built-in name or the image folder the teacher was trained on; nil: the teacher's data set.
    public var data: String?
    /// Distill on a folder whose images differ from the teacher's training data.
    public var allowOtherData = false
    public var checkpointEvery = 100
    /// Discard the run directory's earlier stages first.
    public var fresh = false
    public var judge: ClassifierJudge.Settings
    public var evaluationSamples = 1000
    public var evaluationSeed: UInt64 = 7
    public var publication: Publication?
    /// The command line, recorded in checkpoints and manifests.
    public var command: String

    public init(
        teacher: Teacher, directory: String, configuration: DistillationConfiguration, judge: ClassifierJudge.Settings, command: String
    ) {
        (self.teacher, self.directory, self.configuration, self.judge, self.command) = (teacher, directory, configuration, judge, command)
    }

    /// Runs (or resumes) every stage. `openStore(create)` opens the zoo: to read a zoo teacher, and
    /// (creating it) to publish.
    public func run(
        openStore: (Bool) throws -> ModelStore, zooPath: String, interactive: Bool, log: @escaping (String) -> Void
    ) throws {
        let source =
            switch teacher {
            case .zoo(let reference): try TeacherSource.zoo(reference, from: try openStore(false))
            case .trainingRun(let directory): try TeacherSource.trainingRun(directory)
            }
        let data = try loadData(source, log: log)
        var configuration = configuration
        let range = configuration.guidanceRange
        configuration.guidance =
            guidance ?? range.map { min(max(source.defaultGuidance, $0.lowerBound), $0.upperBound) } ?? source.defaultGuidance
        configuration.studentArchitecture = try studentWidth.map { try source.teacher.architecture.narrowed(width: $0) }
        try configuration.validate()
        if fresh { try Distiller.discardStages(in: directory) }
        let distiller = try Distiller(
            configuration: configuration, runDirectory: directory, dataset: data.dataset, datasetName: data.name,
            datasetDigest: data.digest, teacher: source.teacher, teacherSource: source.label)
        (distiller.command, distiller.checkpointEvery, distiller.progressInteractive, distiller.log) = (
            command, checkpointEvery, interactive, log
        )
        log(
            "teacher \(source.label): \(source.teacher.network.parameters.scalarCount) parameters; OpenBLAS \(BLAS.coreName), \(BLAS.threadCount) threads"
        )
        if let advice = BLAS.kernelAdvice() { log("note: \(advice)") }
        let store = try publication.map { _ in try openStore(true) }
        let evaluator = try ImageStageEvaluator.forData(
            data.name, classCount: source.teacher.architecture.classCount, judge: judge, zooPath: zooPath,
            sampleCount: evaluationSamples, seed: evaluationSeed, log: log)
        var parent = source.blob
        try distiller.run(evaluate: evaluator) { student, report in
            let metrics = (report.evaluation?.metrics ?? [:]).sorted { $0.key < $1.key }
                .map { String(format: "%@ %.4f", $0.key, $0.value) }.joined(separator: ", ")
            log("\(student.stage.directoryName): \(student.stage.studentSteps)-step student ready\(metrics.isEmpty ? "" : ": " + metrics)")
            guard let store, let publication else { return }
            if report.publishedAs == nil {
                let manifest = try source.publication(
                    student, report: report, prefix: publication.prefix, parent: parent, configuration: configuration,
                    dataName: data.name, datasetDigest: data.digest, command: command
                ).publish(to: store, dtype: publication.dtype, tags: publication.tags)
                report.publishedAs = "\(manifest.name)@\(manifest.version)"
                report.publishedBlob = manifest.blob.description
                log("published \(report.publishedAs ?? "") (\(manifest.blob))")
            }
            parent = try report.publishedBlob.map { try Digest(parsing: $0) }
        }
        log("distillation finished: \(directory)")
    }

    /// `data` when it is an image folder (under the teacher's data set name), else the named or the teacher's built-in data.
    func loadData(_ source: TeacherSource, log: (String) -> Void) throws -> TrainingData {
        if let data, TrainingData.isFolder(data) {
            return try source.folderData(data, cacheDirectory: directory + "/data", allowOther: allowOtherData, log: log)
        }
        let name = data ?? source.dataset
        guard let builtIn = try TrainingData.builtIn(name, directory: judge.datasetDirectory, seed: configuration.seed) else {
            throw DistillationError.invalidConfiguration(
                "unknown dataset '\(name)': use \(TrainingData.builtInNames.joined(separator: ", ")), "
                    + "or give --data DIR, the image folder the teacher was trained on")
        }
        return builtIn
    }
}
