// Architecture checks of `ZooModelValidator`: every field within the range a real model uses,
// the configuration buildable (NeuralNet's own rules, which would otherwise stop the process in a
// precondition), and a lower bound on the parameter count within the store's cap — all before
// the network is built to learn its exact tensor layout.
import ModelStore
import NeuralNet
import Vocabulary

extension ZooModelValidator {
    static func check(_ architecture: NetworkArchitecture) throws(ModelValidationError) {
        switch architecture {
        case .unet(let c):
            try within("imageHeight", c.imageHeight, 1...maximumImageSide)
            try within("imageWidth", c.imageWidth, 1...maximumImageSide)
            guard [1, 3].contains(c.imageChannels) else {
                throw ModelValidationError(
                    field: "architecture.imageChannels", "is \(c.imageChannels); images have 1 (grey) or 3 (RGB) channels")
            }
            try within("baseWidth", c.baseWidth, 2...1024)
            try within("widthMultipliers (count)", c.widthMultipliers.count, 1...8)
            for multiplier in c.widthMultipliers { try within("widthMultipliers", multiplier, 1...16) }
            try within("residualBlocksPerLevel", c.residualBlocksPerLevel, 1...8)
            try within("attentionResolutions (count)", c.attentionResolutions.count, 0...16)
            try within("attentionHeads", c.attentionHeads, 1...256)
            try within("groupCount", c.groupCount, 1...1024)
            try within("classCount", c.classCount, 0...maximumClassCount)
            if let problem = c.validationError() { throw ModelValidationError(field: "architecture", problem) }
            // The second 3×3 convolution of each residual block maps width to width: the down path
            // has residualBlocksPerLevel of them per level, the up path one more, the middle two.
            var lowerBound = 0.0
            for multiplier in c.widthMultipliers {
                let width = Double(multiplier * c.baseWidth)
                lowerBound += Double(2 * c.residualBlocksPerLevel + 1) * 9 * width * width
            }
            let last = Double((c.widthMultipliers.last ?? 1) * c.baseWidth)
            lowerBound += 2 * 9 * last * last
            try withinParameterCap(lowerBound)
            // Sampling holds many activations of a slot group (16 images, twice that under
            // guidance) at full resolution; one of them must stay within the limit, or a small
            // archive of compressible weights could make every render exhaust memory.
            let activation = 2.0 * Double(Generator.slotCount) * Double(c.imageHeight) * Double(c.imageWidth)
                * Double((c.widthMultipliers.first ?? 1) * c.baseWidth) * Double(MemoryLayout<Float>.size)
            guard activation <= Double(maximumActivationBytes) else {
                throw ModelValidationError(
                    field: "architecture",
                    "needs \(Int(activation)) bytes for one full-resolution activation of a guided slot group, "
                        + "above the limit of \(maximumActivationBytes)")
            }
        case .mlp(let c):
            try within("dimension", c.dimension, 1...4096)
            try within("hiddenWidth", c.hiddenWidth, 1...8192)
            try within("hiddenLayers", c.hiddenLayers, 1...64)
            try within("embeddingWidth", c.embeddingWidth, 2...4096)
            guard c.embeddingWidth % 2 == 0 else {
                throw ModelValidationError(field: "architecture.embeddingWidth", "is \(c.embeddingWidth); it must be even")
            }
            try within("classCount", c.classCount, 0...maximumClassCount)
            try withinParameterCap(Double(c.hiddenLayers - 1) * Double(c.hiddenWidth) * Double(c.hiddenWidth))
        }
    }

    static func check(_ c: ImageClassifierConfiguration) throws(ModelValidationError) {
        try within("imageHeight", c.imageHeight, 1...maximumImageSide)
        try within("imageWidth", c.imageWidth, 1...maximumImageSide)
        guard [1, 3].contains(c.imageChannels) else {
            throw ModelValidationError(field: "architecture.imageChannels", "is \(c.imageChannels); images have 1 or 3 channels")
        }
        try within("widths (count)", c.widths.count, 1...8)
        try within("groupCount", c.groupCount, 1...1024)
        for width in c.widths {
            try within("widths", width, 1...4096)
            guard width % c.groupCount == 0 else {
                throw ModelValidationError(field: "architecture.widths", "width \(width) is not divisible by groupCount \(c.groupCount)")
            }
        }
        try within("hiddenWidth", c.hiddenWidth, 1...65536)
        try within("classCount", c.classCount, 1...maximumClassCount)
        let factor = 1 << c.widths.count
        guard c.imageHeight % factor == 0, c.imageWidth % factor == 0 else {
            throw ModelValidationError(field: "architecture", "image \(c.imageHeight)×\(c.imageWidth) is not divisible by \(factor)")
        }
        let flattened = Double(c.imageHeight / factor) * Double(c.imageWidth / factor) * Double(c.widths.last ?? 1)
        try withinParameterCap(flattened * Double(c.hiddenWidth) + c.widths.reduce(0.0) { $0 + 9 * Double($1) * Double($1) })
    }

    /// The classifier's configuration from `{"network": "image-classifier", "configuration": {…}}`.
    static func classifierConfiguration(_ object: [String: JSONValue]) throws(ModelValidationError) -> ImageClassifierConfiguration {
        struct Architecture: Decodable {
            var network: String
            var configuration: ImageClassifierConfiguration
        }
        let architecture: Architecture
        do { architecture = try ManifestCoding.decode(Architecture.self, from: object, model: "") } catch {
            throw ModelValidationError(
                field: "architecture", Reason("cannot be read as an image classifier", cause: error, joint: .parentheses))
        }
        guard architecture.network == "image-classifier" else {
            throw ModelValidationError(field: "architecture.network", "is not image-classifier, the only network a classifier may have")
        }
        return architecture.configuration
    }

    private static func within(_ field: String, _ value: Int, _ range: ClosedRange<Int>) throws(ModelValidationError) {
        guard range.contains(value) else {
            throw ModelValidationError(field: "architecture.\(field)", "is \(value); it must be \(range.lowerBound)…\(range.upperBound)")
        }
    }

    private static func withinParameterCap(_ lowerBound: Double) throws(ModelValidationError) {
        guard lowerBound <= Double(maximumParameterCount) else {
            throw ModelValidationError(
                field: "architecture",
                "has more than \(Int(lowerBound)) parameters, above the limit of \(maximumParameterCount)")
        }
    }
}
