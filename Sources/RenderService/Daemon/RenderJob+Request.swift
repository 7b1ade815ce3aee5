// Translating a validated spool job into the renderer's request. Spool and Imaging/KacFlow both
// name an `ImageFormat` and a `Sampler`, so this is the one file that qualifies them.
import Imaging
import KacFlow
import Spool

extension RenderJob {
    /// Default lossy quality when a job gives none.
    public static let defaultEncodeQuality = 90

    /// The render request of this job (the model is chosen separately, see `modelGoal`).
    public var renderRequest: RenderRequest {
        let format: Imaging.ImageFormat
        switch self.format {
        case .png: format = .png()
        case .jpeg: format = .jpeg(quality: encodeQuality ?? Self.defaultEncodeQuality)
        case .webp: format = .webp(quality: encodeQuality ?? Self.defaultEncodeQuality, lossless: false)
        case .tiff: format = .tiff
        }
        return RenderRequest(count: count, labels: labels, integrator: sampler.flatMap { Integrator(rawValue: $0.rawValue) },
                             steps: steps, guidance: guidance, seed: resolvedSeed, format: format, scale: scale,
                             upscale: upscale == .lanczos ? .lanczos3 : .nearest, grid: grid)
    }

    /// The selection goal of a job without a model name; nil for `model` jobs.
    public var modelGoal: SelectionGoal? {
        switch model {
        case .reference: nil
        case .quality(.fastest): .fastest
        case .quality(.balanced): .balanced
        case .quality(.best): .best
        case .stepBudget(let steps): .stepBudget(steps)
        }
    }
}

extension SpoolLimits {
    /// The renderer's limits matching what the spool admits.
    public var renderLimits: RenderLimits {
        RenderLimits(maximumCount: maximumCount, maximumScale: maximumScale, maximumSteps: maximumSteps, maximumGuidance: maximumGuidance)
    }
}
