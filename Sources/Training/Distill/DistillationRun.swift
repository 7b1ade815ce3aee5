// The files of a distillation run besides checkpoints: RUN/distillation.json (the configuration
// and a fingerprint of the base teacher's weights, checked on every resume) and each finished
// stage's stage.json report. Both are written atomically; a reader that meets another format
// version says what to do.
import DiskIO
import Foundation
import Generation
import KacFlow
import ModelStore
import NeuralNet
import Vocabulary

/// A finished stage's student: EMA weights, sampled with Euler at the stage's step count, at s = 1
/// (guidance baked in) or, guidance-conditioned, at its default scale (any other works too).
public struct DistilledStudent {
    public let stage: DistillationStage
    public let network: any VelocityNetwork
    public let architecture: NetworkArchitecture
    public let path: KacPath.Configuration
    /// The default scale: 1 when guidance is baked in (`DistillationConfiguration.studentGuidance`).
    public let guidance: Double

    /// How the student is meant to be sampled by default.
    public var settings: SamplingSettings { SamplingSettings(integrator: .euler, steps: stage.studentSteps, guidance: guidance) }
    public var generator: Generator { Generator(network: network, architecture: architecture, path: path) }
}

/// Quality figures of one student: manifest evaluation rows (FD, accuracy, images/s) and free-form
/// metrics (e.g. `slicedWasserstein` for 2-D data).
public struct StageEvaluation: Codable, Sendable, Equatable {
    public var evaluations: [EvaluationResult]
    public var metrics: [String: Double]

    public init(evaluations: [EvaluationResult] = [], metrics: [String: Double] = [:]) {
        self.evaluations = evaluations
        self.metrics = metrics
    }
}

/// Scores a stage's student; `kac distill` passes the image evaluator here when it exists.
public typealias StageEvaluator = (DistilledStudent) throws -> StageEvaluation

/// RUN/stage-M/stage.json.
public struct StageReport: Codable, Sendable, Equatable {
    public var format = StageReport.currentFormat
    public var stage: DistillationStage
    public var trainingSteps: Int
    /// Wall time of the invocation that finished the stage (0 for earlier invocations' work).
    public var seconds: Double
    public var evaluation: StageEvaluation?
    /// "fashion-mnist/student-4@2" once published, and the published blob (next stage's parent).
    public var publishedAs: String?
    public var publishedBlob: String?

    public static let currentFormat = "kac-distillation-stage/1"

    public init(stage: DistillationStage, trainingSteps: Int, seconds: Double) {
        self.stage = stage
        self.trainingSteps = trainingSteps
        self.seconds = seconds
    }

    public static func load(from path: String) throws -> StageReport? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        guard let report = try? JSONDecoder().decode(StageReport.self, from: data), report.format == currentFormat else {
            throw DistillationError.corruptFile(path: path, reason: "not a \(currentFormat) report")
        }
        return report
    }

    public func save(to path: String) throws {
        try AtomicFile.write(Array(try DistillationFiles.json(self)), to: path)
    }
}

/// RUN/distillation.json.
struct DistillationRunRecord: Codable, Equatable {
    var format = "kac-distillation-run/1"
    var configuration: DistillationConfiguration
    var teacherFingerprint: String
    var teacherSource: String
}

/// The run and stage a distillation checkpoint belongs to, read back from the run directory, so a
/// stage published later (`kac publish RUN/stage-M/checkpoint.safetensors`) carries the same record
/// of how it was made as one published by `kac distill`.
public struct DistilledCheckpointOrigin: Sendable {
    public var configuration: DistillationConfiguration
    public var stage: DistillationStage
    /// Where the base teacher came from ("fashion-mnist/student-20@1", a checkpoint path).
    public var teacherSource: String

    public init(configuration: DistillationConfiguration, stage: DistillationStage, teacherSource: String) {
        (self.configuration, self.stage, self.teacherSource) = (configuration, stage, teacherSource)
    }

    /// nil when `checkpointPath` is not RUN/stage-M/checkpoint.safetensors of a run with a
    /// readable distillation.json naming a stage M.
    public static func of(checkpoint checkpointPath: String) -> DistilledCheckpointOrigin? {
        let url = URL(fileURLWithPath: checkpointPath)
        let stageDirectory = url.deletingLastPathComponent()
        guard url.lastPathComponent == "checkpoint.safetensors",
            let data = FileManager.default.contents(
                atPath: stageDirectory.deletingLastPathComponent().appendingPathComponent("distillation.json").path),
            let record = try? JSONDecoder().decode(DistillationRunRecord.self, from: data),
            let stage = record.configuration.stages.first(where: { $0.directoryName == stageDirectory.lastPathComponent })
        else { return nil }
        return DistilledCheckpointOrigin(configuration: record.configuration, stage: stage, teacherSource: record.teacherSource)
    }

    /// The metadata key of the guidance scale a stage baked into its student.
    public static let bakedGuidanceKey = "distillation.bakedGuidance"

    /// The `distillation.*` entries of a published student's checkpoint metadata.
    public var metadata: [String: String] {
        var metadata = [
            "distillation.stage": "\(stage.teacherSteps)->\(stage.studentSteps)",
            "distillation.start": configuration.start.rawValue,
            "distillation.targets": configuration.targetSource.rawValue,
            "distillation.teacherIntegrator": stage.teacherIntegrator.rawValue,
            "distillation.substeps": String(stage.substeps),
            "distillation.baseTeacher": teacherSource,
            "distillation.configuration": String(decoding: (try? JSONEncoder().encode(configuration)) ?? Data(), as: UTF8.self),
        ]
        if let range = configuration.guidanceRange {
            metadata["distillation.guidanceRange"] = "\(range.lowerBound),\(range.upperBound)"
        } else {
            metadata[Self.bakedGuidanceKey] = String(configuration.guidance)
        }
        return metadata
    }
}

enum DistillationFiles {
    static func json(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    /// sha256 of the weights' names, shapes and values: identifies the teacher whatever its source.
    static func fingerprint(_ parameters: ParameterSet) -> String {
        var hasher = DigestHasher()
        for (name, tensor) in parameters.entries {
            hasher.update(Array(name.utf8) + tensor.shape.flatMap { withUnsafeBytes(of: Int64($0).littleEndian, Array.init) })
            tensor.scalars.withUnsafeBytes { hasher.update(Array($0)) }
        }
        return hasher.finalize().description
    }
}

extension Distiller {
    /// Creates RUN and its record, or checks that an existing run used this configuration and teacher.
    func prepareRunDirectory() throws {
        try FileManager.default.createDirectory(atPath: runDirectory, withIntermediateDirectories: true)
        let path = runDirectory + "/distillation.json"
        let record = DistillationRunRecord(
            configuration: configuration,
            teacherFingerprint: DistillationFiles.fingerprint(baseTeacher.network.parameters),
            teacherSource: teacherSource)
        if let data = FileManager.default.contents(atPath: path) {
            guard let existing = try? JSONDecoder().decode(DistillationRunRecord.self, from: data),
                existing.format == record.format
            else {
                throw DistillationError.corruptFile(path: path, reason: "not a \(record.format) record")
            }
            guard existing.configuration == configuration || configuration.extends(existing.configuration) else {
                throw DistillationError.runMismatch(directory: runDirectory, reason: "options differ from \(path)")
            }
            guard existing.teacherFingerprint == record.teacherFingerprint else {
                throw DistillationError.runMismatch(
                    directory: runDirectory,
                    reason: "its teacher was \(existing.teacherSource) with other weights than \(teacherSource)")
            }
            guard existing.configuration != configuration else { return }
            try checkExtension(of: existing.configuration)
            log("more steps per stage than \(path) recorded: those stages continue from their checkpoints")
        }
        try AtomicFile.write(Array(try DistillationFiles.json(record)), to: path)
    }

    /// A stage given more steps changes the student every later stage started from (and, with chain
    /// targets, learned from): those stages must not have begun yet.
    private func checkExtension(of earlier: DistillationConfiguration) throws {
        let stages = configuration.stages
        guard
            let first = zip(stages, earlier.stages).first(where: {
                configuration.trainingSteps(of: $0) != earlier.trainingSteps(of: $1)
            })?.0
        else { return }
        for later in stages.dropFirst(first.index + 1) {
            let directory = stageDirectory(later)
            let started = ["checkpoint.safetensors", "pool.safetensors"].contains {
                FileManager.default.fileExists(atPath: directory + "/" + $0)
            }
            if started {
                throw DistillationError.runMismatch(
                    directory: directory,
                    reason:
                        "it started from \(first.directoryName)'s student, which is to get more steps; remove \(directory) to distill it again after the longer \(first.directoryName)"
                )
            }
        }
    }
}
