// What a render produced: one record per image (file, request index, seed, label) plus timings.
// `kac render --json` prints it and the daemon embeds it in `out/<job>/result.json`. Digest,
// sampler and precision are typed values that encode as the strings those files have always held.
import ModelStore
import Vocabulary

public struct ImageRecord: Codable, Sendable, Equatable {
    public let file: String
    /// Position in the request; with `seed` it identifies the prior draw (stream `index` of `seed`).
    public let index: Int
    public let seed: UInt64
    public let label: Int
    public let className: String
    /// True when the file was already there from an earlier run of the same plan (resume).
    public let reused: Bool
}

public struct RenderTimings: Codable, Sendable, Equatable {
    /// Sampling (network evaluations and integrator arithmetic).
    public var generateSeconds = 0.0
    /// Upscaling, encoding and atomic writes: on the writer thread while the next batch samples
    /// (`RenderSchedule.overlapped`), or between batches (`.sequential`).
    public var encodeSeconds = 0.0
    /// Time the render thread waited for the writer (the part of `encodeSeconds` not hidden).
    public var encodeWaitSeconds = 0.0
    public var totalSeconds = 0.0
    /// Thread CPU seconds of the render's own encode calls (upscale, metadata, libvips' save as
    /// seen from the calling thread) and of its file writes (create, write, flush, rename), summed
    /// over the threads that ran them. libvips' own pipeline threads are not included. Not part of
    /// the JSON report (`kac-bench network` prints them).
    public var encodeCPUSeconds = 0.0
    public var writeCPUSeconds = 0.0

    private enum CodingKeys: String, CodingKey { case generateSeconds, encodeSeconds, encodeWaitSeconds, totalSeconds }

    public init() {}
}

public struct RenderReport: Codable, Sendable, Equatable {
    /// "name@version".
    public let model: String
    public let modelDigest: Digest
    public let sampler: Integrator
    public let steps: Int
    public let guidance: Double
    public let seed: UInt64
    /// The arithmetic the network sampled in.
    public let precision: Precision
    public let images: [ImageRecord]
    public let grid: String?
    /// Image files written by this run (the others were reused).
    public let rendered: Int
    /// Images sampled by this run (more than `rendered` when a missing grid needed every image).
    public let generated: Int
    /// Network evaluations per image summed over generated images (guided steps count two).
    public let networkEvaluations: Int
    public let timings: RenderTimings
    /// The model's classes in label order (`images[i].label` indexes them).
    public var classNames: [String] = []
    /// Size of every image file (after `scale`) and its channels: 1 grey, 3 RGB (sRGB).
    public var width = 0
    public var height = 0
    public var channels = 0

    /// Generated images per second of sampling + waiting for the writes.
    public var imagesPerSecond: Double {
        let seconds = timings.generateSeconds + timings.encodeWaitSeconds
        return seconds > 0 ? Double(generated) / seconds : 0
    }
}
