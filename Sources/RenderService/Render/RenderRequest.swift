// What to render, independent of where the request came from (`kac render` options or a spool job):
// count, labels, sampler overrides (nil = the model's defaults), seed, output format, upscaling, grid.
// Invariant: a request plus a model's blob digest determines every output byte (see `Renderer`).
import Foundation
import Imaging
import Vocabulary

public struct RenderRequest: Sendable, Equatable {
    /// Number of images, 1…`RenderLimits.maximumCount` (Vocabulary).
    public var count: Int
    /// Class labels (indices or the model's class names) cycled over the images; nil: cycle
    /// through every class of the model. Checked against the model's classes by `Renderer.plan`.
    public var labels: [ClassLabel]?
    /// nil: the model's (or the selected evaluation's) default.
    public var integrator: Integrator?
    public var steps: Int?
    public var guidance: Double?
    public var seed: UInt64
    public var encoding: ImageEncoding
    /// Integer upscale factor of every image file (the grid has its own cell size).
    public var scale: Int
    public var upscale: UpscaleFilter
    /// Also write `grid.png`, a contact sheet of all images with class-name labels.
    public var grid: Bool

    public init(
        count: Int, labels: [ClassLabel]? = nil, integrator: Integrator? = nil, steps: Int? = nil,
        guidance: Double? = nil, seed: UInt64 = 0, encoding: ImageEncoding = .png(),
        scale: Int = 1, upscale: UpscaleFilter = .nearest, grid: Bool = false
    ) {
        self.count = count
        self.labels = labels
        self.integrator = integrator
        self.steps = steps
        self.guidance = guidance
        self.seed = seed
        self.encoding = encoding
        self.scale = scale
        self.upscale = upscale
        self.grid = grid
    }

    /// Sampler settings: the request's overrides on top of `defaults`.
    public func settings(defaults: SamplingSettings) -> SamplingSettings {
        SamplingSettings(
            integrator: integrator ?? defaults.integrator, steps: steps ?? defaults.steps,
            guidance: guidance ?? defaults.guidance)
    }
}

extension ClassLabel {
    /// Parses "sneaker,bag,3": each comma-separated entry is an index or a class name.
    public static func list(_ text: String) -> [ClassLabel] {
        text.split(separator: ",", omittingEmptySubsequences: false).map { ClassLabel(parsing: String($0)) }
    }
}
