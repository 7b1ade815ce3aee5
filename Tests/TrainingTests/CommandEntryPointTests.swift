// The library entry points `kac train`, `kac distill`, `kac publish` and `kac classifier train` call,
// without a process: a toy teacher trains through TeacherTraining (recipe, run directory,
// checkpoint), a distillation of it refuses data it does not know, option-level mistakes are usage
// errors (exit 64, printed with the usage line) and every error states the status kac exits with.
import Foundation
import KacFlow
import TestSupport
import Testing
import Training
import Vocabulary

@Suite struct CommandEntryPointTests {
    func training(_ data: String, directory: String, steps: Int = 2) -> TeacherTraining {
        var training = TeacherTraining(
            data: data, directory: directory,
            shape: TeacherNetworkShape(width: 8, multipliers: [1, 2], residualBlocks: 1, attention: nil, hiddenWidth: 32),
            path: KacPath.Configuration(), training: FlowTrainingConfiguration(batchSize: 64, totalSteps: steps), seed: 3,
            command: "kac train --test")
        training.checkpointEvery = 1
        return training
    }

    @Test func aToyTeacherTrainsAndAnUnknownDataSetIsAUsageError() throws {
        let directory = TemporaryDirectory(prefix: "entry-train")
        var notes: [String] = []
        let checkpoint = try training("eight-gaussians", directory: directory.file("run")).run(
            interactive: false, shouldStop: { false }, log: { notes.append($0) })
        #expect(checkpoint == directory.file("run") + "/checkpoint.safetensors")
        let (recipe, state) = try TrainingState.load(from: checkpoint)
        #expect(state.step == 2 && recipe.dataset == "eight-gaussians" && recipe.command == "kac train --test")
        #expect(notes.contains { $0.hasPrefix("new run in \(directory.file("run"))") }, "\(notes)")

        #expect {
            try training("no-such-set", directory: directory.file("other")).run(interactive: false, shouldStop: { false }, log: { _ in })
        } throws: { error in
            guard let error = error as? TrainingError else { return false }
            let message =
                "unknown dataset 'no-such-set': use fashion-mnist, eight-gaussians, checkerboard, grid, paired-gaussians or an image folder path"
            return error.usageMessage == message && error.exitStatus == .usage
        }

        // Distilling that teacher on data nobody knows is refused the same way, before any stage runs.
        var distillation = Distillation(
            teacher: .trainingRun(directory.file("run")), directory: directory.file("distill"),
            configuration: DistillationConfiguration(stepSchedule: [4, 1], training: FlowTrainingConfiguration(totalSteps: 1)),
            judge: ClassifierJudge.Settings(
                classifier: "none", cacheDirectory: directory.file("cache"), datasetDirectory: directory.path, referenceFolder: nil,
                referenceAlphaBackground: .white),
            command: "kac distill --test")
        distillation.data = "no-such-set"
        #expect {
            try distillation.run(
                openStore: { _ in throw ValidationFailure() }, zooPath: directory.file("zoo"), interactive: false, log: { _ in })
        } throws: {
            ($0 as? DistillationError)?.usageMessage?.hasPrefix("unknown dataset 'no-such-set': use fashion-mnist, eight-gaussians") == true
        }
        #expect(!FileManager.default.fileExists(atPath: directory.file("distill") + "/stage-1"))
    }

    @Test func publishedSamplerDefaults() throws {
        #expect(
            try SamplingSettings.published(for: .teacher, integrator: nil, steps: nil, guidance: nil)
                == SamplingSettings(integrator: .euler, steps: 100, guidance: 1.5))
        #expect(
            try SamplingSettings.published(for: .student, integrator: nil, steps: 4, guidance: nil)
                == SamplingSettings(integrator: .euler, steps: 4, guidance: 1))
        #expect { try SamplingSettings.published(for: .student, integrator: nil, steps: nil, guidance: nil) } throws: {
            ($0 as? TrainingError)?.usageMessage?.contains("pass --steps N") == true
        }
        #expect { try SamplingSettings.published(for: .teacher, integrator: .ab2, steps: 0, guidance: nil) } throws: {
            ($0 as? TrainingError)?.usageMessage == "--steps must be positive, got 0"
        }
    }

    @Test func aClassifierTakesFashionMNISTOrAFolder() throws {
        let directory = TemporaryDirectory(prefix: "entry-classifier")
        #expect {
            try ClassifierData.load(
                "no-such-set", test: nil, folderOptions: ImageFolderOptions(imageSize: 8, channels: 1), datasetName: nil,
                cacheDirectory: directory.path, fashionMNISTDirectory: directory.path, log: { _ in })
        } throws: { ($0 as? EvaluationError)?.usageMessage == "--data takes fashion-mnist or an image folder path, got 'no-such-set'" }
    }

    @Test func eachErrorStatesItsExitStatus() {
        #expect(TrainingError.interrupted(step: 3, checkpointPath: nil).exitStatus == .temporaryFailure)
        #expect(TrainingError.diverged(step: 3, loss: .nan).exitStatus == .dataError)
        #expect(TrainingError.recipeMismatch("x").exitStatus == .usage && TrainingError.recipeMismatch("x").usageMessage == nil)
        #expect(DistillationError.invalidConfiguration("bad").usageMessage == "bad")
        #expect(DistillationError.corruptFile(path: "/p", reason: "short").exitStatus == .dataError)
        #expect(RefinementError.interrupted(step: 1).exitStatus == .temporaryFailure)
        #expect(DatasetError.missingFile(path: "/p", remedy: "get it").exitStatus == .noInput)
        // An evaluation failure no sysexits code describes exits 1, as it did before errors stated their status.
        #expect(EvaluationError.noSettings.exitStatus == .failure && ExitStatus.failure.rawValue == 1)
        // A bad --data is a usage error; a model recording a name that breaks the grammar is bad data.
        let badName: DatasetNameError
        do {
            _ = try DatasetName(parsing: "a\nb")
            Issue.record("a name with a line break was accepted")
            return
        } catch { badName = error }
        let badData = EvaluationError.invalidDatasetName(source: "--data", badName)
        #expect(badData.exitStatus == .usage && badData.usageMessage?.hasPrefix("--data: ") == true)
        #expect(EvaluationError.invalidDatasetName(source: "x/student-1@1", badName).exitStatus == .dataError)
    }
}

private struct ValidationFailure: Error {}
