// Translating a validated spool job into the renderer's request: the job's format and quality
// become an encoding.
import Imaging
import Spool

extension RenderJob {
    /// Default lossy quality when a job gives none.
    public static let defaultEncodeQuality = 90

    /// The render request of this job (the model is chosen separately, from `model`).
    public var renderRequest: RenderRequest {
        let encoding: ImageEncoding
        switch format {
        case .png: encoding = .png()
        case .jpeg: encoding = .jpeg(quality: encodeQuality ?? Self.defaultEncodeQuality)
        case .webp: encoding = .webp(quality: encodeQuality ?? Self.defaultEncodeQuality, lossless: false)
        case .tiff: encoding = .tiff
        }
        return RenderRequest(
            count: count, labels: labels, integrator: sampler, steps: steps, guidance: guidance,
            seed: resolvedSeed, encoding: encoding, scale: scale, upscale: upscale, grid: grid)
    }
}

extension SpoolLimits {
    /// The renderer's limits matching what the spool admits.
    public var renderLimits: RenderLimits {
        RenderLimits(maximumCount: maximumCount, maximumScale: maximumScale, maximumSteps: maximumSteps, maximumGuidance: maximumGuidance)
    }
}
