// The bounds on one render request — images, upscale factor, sampler steps, guidance scale — as one
// type for both doors a request comes through: a job file (checked by the spool's validator, then
// by the renderer) and `kac render` (checked by the renderer). The doors differ only in how many
// images they admit, so each has a named preset and no other default exists:
//   `spoolJob` — 256 images. A queued job shares its worker with every other producer's jobs, so
//     one job may not hold it for long; an operator raises it with kacd's `max-count`.
//   `direct`   — 10,000 images. `kac render` runs in the user's own process on the user's own CPU;
//     the bound only catches a slip (a zero too many), and `--max-count` moves it.
// Scale (8), steps (1000) and guidance (10) are the same at both doors: they bound the cost of one
// image and the range in which the sampler's arithmetic is meaningful, whoever asks.

public struct RenderLimits: Sendable, Equatable, Hashable, Codable {
    /// Most images one request may ask for (1…this).
    public var maximumCount: Int
    /// Largest integer upscale factor.
    public var maximumScale: Int
    /// Largest sampler step count (`steps`) and step budget (`maxSteps`).
    public var maximumSteps: Int
    /// Largest classifier-free guidance scale.
    public var maximumGuidance: Double

    public init(maximumCount: Int, maximumScale: Int = 8, maximumSteps: Int = 1000, maximumGuidance: Double = 10) {
        self.maximumCount = maximumCount
        self.maximumScale = maximumScale
        self.maximumSteps = maximumSteps
        self.maximumGuidance = maximumGuidance
    }

    /// A job in a spool (kacd's defaults; `kac submit` when no worker announces its own).
    public static let spoolJob = RenderLimits(maximumCount: 256)

    /// `kac render` in the user's own process.
    public static let direct = RenderLimits(maximumCount: 10_000)
}
