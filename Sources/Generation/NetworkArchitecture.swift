// Which velocity network a model is, with its hyperparameters: the one description that is stored
// in training checkpoints and zoo manifests and from which the network is rebuilt on load.
// Invariant: the same architecture and seed always yield the same parameter names and initial values.
import NeuralNet
import TensorCore

public enum NetworkArchitecture: Codable, Sendable, Equatable {
    case unet(UNetConfiguration)
    case mlp(MLPVelocityConfiguration)

    /// A freshly initialised network.
    public func makeNetwork(random: inout RandomSource) -> any VelocityNetwork {
        switch self {
        case .unet(let configuration): return UNet(configuration: configuration, random: &random)
        case .mlp(let configuration): return MLPVelocityNetwork(configuration: configuration, random: &random)
        }
    }

    /// Number of real classes; the null label (for guidance) is this value.
    public var classCount: Int {
        switch self {
        case .unet(let configuration): return configuration.classCount
        case .mlp(let configuration): return configuration.classCount
        }
    }

    /// Whether the network takes the guidance scale as an input (a guidance-conditioned student).
    public var hasGuidanceInput: Bool {
        switch self {
        case .unet(let configuration): return configuration.guidanceInput
        case .mlp(let configuration): return configuration.guidanceInput
        }
    }

    /// The same network with or without the guidance input (only `guidance.*` parameters differ).
    public func withGuidanceInput(_ enabled: Bool) -> NetworkArchitecture {
        switch self {
        case .unet(var configuration):
            configuration.guidanceInput = enabled
            return .unet(configuration)
        case .mlp(var configuration):
            configuration.guidanceInput = enabled
            return .mlp(configuration)
        }
    }

    /// Shape of one sample: [H, W, C] for images, [D] for points.
    public var sampleShape: [Int] {
        switch self {
        case .unet(let c): return [c.imageHeight, c.imageWidth, c.imageChannels]
        case .mlp(let c): return [c.dimension]
        }
    }
}
