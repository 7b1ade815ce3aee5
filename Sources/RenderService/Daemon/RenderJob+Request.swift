// Translating a validated spool job into the renderer's request: the job's format and quality
// become an encoding (`ImageEncoding(format:quality:lossless:)`, as for `kac render`).
import Imaging
import Spool

extension RenderJob {
    /// The render request of this job (the model is chosen separately, from `model`).
    public var renderRequest: RenderRequest {
        RenderRequest(
            count: count, labels: labels, integrator: sampler, steps: steps, guidance: guidance, seed: resolvedSeed,
            encoding: ImageEncoding(format: format, quality: encodeQuality), scale: scale, upscale: upscale, grid: grid)
    }
}
