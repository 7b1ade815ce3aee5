// Hyperparameters of Kac flow matching (KAC.md §4) and the full recipe a checkpoint records so a run
// can be resumed or reproduced: network, Kac path, optimiser, data and the command that started it.
import Foundation
import Generation
import KacFlow
import Vocabulary

public struct FlowTrainingConfiguration: Codable, Sendable, Equatable {
    public var batchSize: Int
    public var learningRate: Double
    /// Global gradient-norm clip (KAC.md §4: 1).
    public var gradientClipNorm: Double
    public var emaDecay: Double
    /// Probability of replacing a label by the null label, so one network also learns u(x, t, ∅).
    public var labelDropout: Double
    public var totalSteps: Int
    /// Cosine decay of the learning rate to this fraction of `learningRate` at `totalSteps`
    /// (1 keeps it constant). Decoded as 1 when absent.
    public var finalLearningRateFraction: Double

    public init(
        batchSize: Int = 128, learningRate: Double = 1e-3, gradientClipNorm: Double = 1,
        emaDecay: Double = 0.999, labelDropout: Double = 0.1, totalSteps: Int,
        finalLearningRateFraction: Double = 1
    ) {
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.gradientClipNorm = gradientClipNorm
        self.emaDecay = emaDecay
        self.labelDropout = labelDropout
        self.totalSteps = totalSteps
        self.finalLearningRateFraction = finalLearningRateFraction
    }

    /// The learning rate for the update that makes step `step + 1`.
    public func learningRate(atStep step: Int) -> Double {
        guard finalLearningRateFraction != 1, totalSteps > 0 else { return learningRate }
        let progress = min(Double(step) / Double(totalSteps), 1)
        let cosine = 0.5 * (1 + cos(Double.pi * progress))
        return learningRate * (finalLearningRateFraction + (1 - finalLearningRateFraction) * cosine)
    }

    enum CodingKeys: String, CodingKey {
        case batchSize, learningRate, gradientClipNorm, emaDecay, labelDropout, totalSteps, finalLearningRateFraction
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        batchSize = try c.decode(Int.self, forKey: .batchSize)
        learningRate = try c.decode(Double.self, forKey: .learningRate)
        gradientClipNorm = try c.decode(Double.self, forKey: .gradientClipNorm)
        emaDecay = try c.decode(Double.self, forKey: .emaDecay)
        labelDropout = try c.decode(Double.self, forKey: .labelDropout)
        totalSteps = try c.decode(Int.self, forKey: .totalSteps)
        finalLearningRateFraction = try c.decodeIfPresent(Double.self, forKey: .finalLearningRateFraction) ?? 1
    }
}

/// Everything that determines a training run's result.
public struct TrainingRecipe: Codable, Sendable, Equatable {
    public var architecture: NetworkArchitecture
    public var path: KacPath.Configuration
    public var training: FlowTrainingConfiguration
    /// Dataset name (`fashion-mnist`, `toy:eight-gaussians`, …) and its content digest if known.
    public var dataset: String
    public var datasetDigest: String?
    /// The data set's class names in label order when it names its own (an image folder's
    /// subfolders); nil when the data set name implies them (`ClassNames.implied`) or it has none.
    public var classNames: [String]?
    public var seed: UInt64
    /// The command line that started the run, for the manifest.
    public var command: String

    public init(
        architecture: NetworkArchitecture, path: KacPath.Configuration = .init(),
        training: FlowTrainingConfiguration, dataset: String, datasetDigest: String? = nil,
        classNames: [String]? = nil, seed: UInt64, command: String
    ) {
        self.architecture = architecture
        self.path = path
        self.training = training
        self.dataset = dataset
        self.datasetDigest = datasetDigest
        self.classNames = classNames
        self.seed = seed
        self.command = command
    }
}

extension FlowTrainingConfiguration {
    /// The share of the initial (random) weights still in the EMA after `steps` updates: decayⁿ.
    public static func initialWeightShare(decay: Double, steps: Int) -> Double { pow(decay, Double(max(steps, 0))) }

    /// Above this share the averaged weights are mostly the initialisation: samples look like noise.
    public static let initialWeightWarningShare = 0.02

    /// A warning when a run of `steps` is too short for EMA decay `decay` (its samples and previews
    /// would still be mostly the random initialisation), naming the cure; nil otherwise.
    public static func shortRunWarning(decay: Double, steps: Int, stepsOption: String) -> String? {
        let share = initialWeightShare(decay: decay, steps: steps)
        guard share > initialWeightWarningShare else { return nil }
        // The steps after which the initial weights fall below 2 %: ln(0.02) / ln(decay).
        let needed = Int((log(initialWeightWarningShare) / log(decay)).rounded(.up))
        let suggested = [0.99, 0.995, 0.998].last { initialWeightShare(decay: $0, steps: steps) <= initialWeightWarningShare }
        return String(
            format: "warning: with EMA decay %g the averaged weights after %d steps still hold %.0f%% of the random initial weights, so samples and previews look like noise; give %@ %d or more%@",
            decay, steps, 100 * share, stepsOption, needed, suggested.map { String(format: ", or lower --ema to %g", $0) } ?? "")
    }
}
