// What to render, independent of where the request came from (`kac render` options or a spool job):
// count, labels, sampler overrides (nil = the model's defaults), seed, output format, upscaling, grid.
// Invariant: a request plus a model's blob digest determines every output byte (see `Renderer`).
import Foundation
import Imaging
import KacFlow
import Training

public struct RenderRequest: Sendable, Equatable {
    /// Number of images, 1…`RenderLimits.maximumCount`.
    public var count: Int
    /// Class labels cycled over the images; nil: cycle through every class of the model.
    public var labels: [Int]?
    /// nil: the model's (or the selected evaluation's) default.
    public var integrator: Integrator?
    public var steps: Int?
    public var guidance: Double?
    public var seed: UInt64
    public var format: Imaging.ImageFormat
    /// Integer upscale factor of every image file (the grid has its own cell size).
    public var scale: Int
    public var upscale: ResamplingKernel
    /// Also write `grid.png`, a contact sheet of all images with class-name labels.
    public var grid: Bool

    public init(count: Int, labels: [Int]? = nil, integrator: Integrator? = nil, steps: Int? = nil,
                guidance: Double? = nil, seed: UInt64 = 0, format: Imaging.ImageFormat = .png(),
                scale: Int = 1, upscale: ResamplingKernel = .nearest, grid: Bool = false) {
        self.count = count
        self.labels = labels
        self.integrator = integrator
        self.steps = steps
        self.guidance = guidance
        self.seed = seed
        self.format = format
        self.scale = scale
        self.upscale = upscale
        self.grid = grid
    }

    /// The label of image `index`.
    public func label(ofImage index: Int, classCount: Int) -> Int {
        let cycle = labels ?? Array(0..<max(classCount, 1))
        return cycle[index % cycle.count]
    }

    /// Sampler settings: the request's overrides on top of `defaults`.
    public func settings(defaults: SamplingSettings) -> SamplingSettings {
        SamplingSettings(integrator: integrator ?? defaults.integrator, steps: steps ?? defaults.steps,
                         guidance: guidance ?? defaults.guidance)
    }
}

/// Bounds on what one request may ask for (CLI flags or daemon settings).
public struct RenderLimits: Sendable, Equatable {
    public var maximumCount: Int
    public var maximumScale: Int
    public var maximumSteps: Int
    public var maximumGuidance: Double

    public init(maximumCount: Int = 10_000, maximumScale: Int = 8, maximumSteps: Int = 1000, maximumGuidance: Double = 10) {
        self.maximumCount = maximumCount
        self.maximumScale = maximumScale
        self.maximumSteps = maximumSteps
        self.maximumGuidance = maximumGuidance
    }
}

/// Class names for file names, metadata and grid labels.
public enum ClassNames {
    /// Fashion-MNIST names for 10-class models, `class<k>` otherwise.
    public static func name(of label: Int, classCount: Int) -> String {
        if classCount == FashionMNIST.classNames.count, FashionMNIST.classNames.indices.contains(label) {
            return FashionMNIST.classNames[label]
        }
        return "class\(label)"
    }

    /// Parses "sneaker,bag,3" (names case-insensitive, or numbers); throws naming the bad entry.
    public static func parse(_ text: String) throws(RenderError) -> [Int] {
        var labels: [Int] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let item = part.trimmingCharacters(in: .whitespaces)
            if let number = Int(item) {
                labels.append(number)
            } else if let index = FashionMNIST.classIndex(named: item) {
                labels.append(index)
            } else {
                throw RenderError.invalidRequest("label \"\(item)\" is neither a number nor a class name; "
                    + "use 0-9 or one of \(FashionMNIST.classNames.joined(separator: ", "))")
            }
        }
        return labels
    }
}
