// Hyperparameters of the ADM-style velocity UNet. They are stored in the model manifest and are the
// only description of the architecture: the same configuration always yields the same parameter
// names, shapes and (for a given seed) initial values. `guidanceInput` is absent from JSON written
// before it existed and omitted when false, so older manifests read and re-encode unchanged.

public struct UNetConfiguration: Codable, Sendable, Equatable {
    public var imageHeight: Int
    public var imageWidth: Int
    public var imageChannels: Int
    /// Channels at full resolution; level l has baseWidth · widthMultipliers[l].
    public var baseWidth: Int
    /// One entry per resolution level; each level after the first halves the resolution.
    public var widthMultipliers: [Int]
    public var residualBlocksPerLevel: Int
    /// Resolutions (image height at that level) that get self-attention after each residual block.
    public var attentionResolutions: [Int]
    public var attentionHeads: Int
    public var groupCount: Int
    /// Number of real classes; label `classCount` is the null label.
    public var classCount: Int
    /// The guidance scale s is a per-sample input (a guidance-conditioned student): `guidance.linear.*`
    /// embeds it into the time/label embedding.
    public var guidanceInput: Bool

    public init(
        imageHeight: Int, imageWidth: Int, imageChannels: Int, baseWidth: Int, widthMultipliers: [Int],
        residualBlocksPerLevel: Int, attentionResolutions: [Int], attentionHeads: Int, groupCount: Int,
        classCount: Int, guidanceInput: Bool = false
    ) {
        self.imageHeight = imageHeight
        self.imageWidth = imageWidth
        self.imageChannels = imageChannels
        self.baseWidth = baseWidth
        self.widthMultipliers = widthMultipliers
        self.residualBlocksPerLevel = residualBlocksPerLevel
        self.attentionResolutions = attentionResolutions
        self.attentionHeads = attentionHeads
        self.groupCount = groupCount
        self.classCount = classCount
        self.guidanceInput = guidanceInput
    }

    private enum CodingKeys: String, CodingKey {
        case imageHeight, imageWidth, imageChannels, baseWidth, widthMultipliers, residualBlocksPerLevel
        case attentionResolutions, attentionHeads, groupCount, classCount, guidanceInput
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        imageHeight = try container.decode(Int.self, forKey: .imageHeight)
        imageWidth = try container.decode(Int.self, forKey: .imageWidth)
        imageChannels = try container.decode(Int.self, forKey: .imageChannels)
        baseWidth = try container.decode(Int.self, forKey: .baseWidth)
        widthMultipliers = try container.decode([Int].self, forKey: .widthMultipliers)
        residualBlocksPerLevel = try container.decode(Int.self, forKey: .residualBlocksPerLevel)
        attentionResolutions = try container.decode([Int].self, forKey: .attentionResolutions)
        attentionHeads = try container.decode(Int.self, forKey: .attentionHeads)
        groupCount = try container.decode(Int.self, forKey: .groupCount)
        classCount = try container.decode(Int.self, forKey: .classCount)
        guidanceInput = try container.decodeIfPresent(Bool.self, forKey: .guidanceInput) ?? false
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(imageHeight, forKey: .imageHeight)
        try container.encode(imageWidth, forKey: .imageWidth)
        try container.encode(imageChannels, forKey: .imageChannels)
        try container.encode(baseWidth, forKey: .baseWidth)
        try container.encode(widthMultipliers, forKey: .widthMultipliers)
        try container.encode(residualBlocksPerLevel, forKey: .residualBlocksPerLevel)
        try container.encode(attentionResolutions, forKey: .attentionResolutions)
        try container.encode(attentionHeads, forKey: .attentionHeads)
        try container.encode(groupCount, forKey: .groupCount)
        try container.encode(classCount, forKey: .classCount)
        if guidanceInput { try container.encode(true, forKey: .guidanceInput) }
    }

    /// The teacher of KAC.md §8: Fashion-MNIST 1×28×28, width 32, (1, 2, 2), attention at 7×7.
    public static let fashionMNIST = UNetConfiguration(
        imageHeight: 28, imageWidth: 28, imageChannels: 1, baseWidth: 32, widthMultipliers: [1, 2, 2],
        residualBlocksPerLevel: 1, attentionResolutions: [7], attentionHeads: 4, groupCount: 8, classCount: 10)

    /// Width of the time/label embedding fed to every residual block. 2·baseWidth (not ADM's 4·) is
    /// what gives the §8 teacher its 1.06 M parameters; the sinusoid itself has baseWidth entries.
    public var embeddingWidth: Int { 2 * baseWidth }

    /// Checks the configuration can be built; returns a message for the operator otherwise.
    public func validationError() -> String? {
        if imageHeight <= 0 || imageWidth <= 0 || imageChannels <= 0 || baseWidth <= 0 { return "sizes must be positive" }
        if groupCount <= 0 || attentionHeads <= 0 { return "groupCount and attentionHeads must be positive" }
        if widthMultipliers.isEmpty || widthMultipliers.contains(where: { $0 <= 0 }) {
            return "widthMultipliers must be positive and non-empty"
        }
        let factor = 1 << (widthMultipliers.count - 1)
        if imageHeight % factor != 0 || imageWidth % factor != 0 {
            return "image \(imageHeight)×\(imageWidth) must be divisible by \(factor) for \(widthMultipliers.count) levels"
        }
        for width in widthMultipliers.map({ $0 * baseWidth }) + [baseWidth] {
            if width % groupCount != 0 { return "width \(width) is not divisible by groupCount \(groupCount)" }
            if width % attentionHeads != 0 { return "width \(width) is not divisible by attentionHeads \(attentionHeads)" }
        }
        if baseWidth % 2 != 0 { return "baseWidth must be even (sinusoidal embedding)" }
        if residualBlocksPerLevel < 1 { return "residualBlocksPerLevel must be at least 1" }
        if classCount < 0 { return "classCount must be non-negative" }
        return nil
    }
}
