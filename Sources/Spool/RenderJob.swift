// The typed form of a job file (`spool/job.schema.json`, schema 1). A `RenderJob` only exists
// validated: `JobValidator` builds it, and `jsonBytes()` writes it back in the same schema, so
// a submitted job re-reads to an equal value (the round trip is tested). The generator choice
// (`ModelChoice`: a zoo reference or a goal) is Vocabulary's; labels stay as written until the
// renderer knows the model's class names.
import Vocabulary

/// Job identifiers: `[A-Za-z0-9][A-Za-z0-9._-]{0,63}`. They name files and directories in the
/// spool, so the pattern admits no `/`, no leading dot and nothing longer than 64 bytes. Ids
/// ending in `.lease`, `.progress` or `.error` are refused: they would collide with sidecar files.
public enum JobID {
    public static let pattern = "[A-Za-z0-9][A-Za-z0-9._-]{0,63}"
    static let reservedSuffixes = [".lease", ".progress", ".error"]
    /// The longest id, in bytes.
    public static let maximumLength = 64

    public static func isValid(_ text: String) -> Bool {
        isValidName(text) && !reservedSuffixes.contains { text.hasSuffix($0) }
    }

    /// The pattern alone (also used for output file names).
    static func isValidName(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (1...maximumLength).contains(bytes.count), isAlphanumeric(bytes[0]) else { return false }
        return bytes.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}

/// One validated render request.
public struct RenderJob: Sendable, Equatable {
    public static let schemaVersion = 1

    /// The job id; nil only before submission (the spool fills it in from the file name).
    public var id: String?
    public var model: ModelChoice
    /// The data set whose models a `quality` preset or `maxSteps` budget chooses among; nil: the
    /// zoo's default. Only with those two (a `model` reference names its model already).
    public var dataset: DatasetName?
    /// Number of images, 1…`SpoolLimits.maximumCount`.
    public var count: Int
    /// Class labels as written (indices or the model's class names); nil means cycle through
    /// every class of the model.
    public var labels: [ClassLabel]?
    /// nil: the model's default sampler.
    public var sampler: Integrator?
    /// Sampler steps; nil: the model's default.
    public var steps: Int?
    /// Guidance scale; nil: the model's default.
    public var guidance: Double?
    /// nil: derived from the job id (`resolvedSeed`), so reruns are identical.
    public var seed: UInt64?
    public var format: ImageFormat
    /// 1…100, only for jpeg and webp; nil: the encoder's default.
    public var encodeQuality: Int?
    /// Integer upscale factor, 1…`SpoolLimits.maximumScale`.
    public var scale: Int
    public var upscale: UpscaleFilter
    /// Also write one contact sheet of all images.
    public var grid: Bool
    /// Higher runs first.
    public var priority: Int
    /// Arithmetic of the network (fp32, bf16, auto); nil: the daemon's `default-precision`.
    public var precision: PrecisionSetting?

    public init(
        id: String? = nil, model: ModelChoice, dataset: DatasetName? = nil, count: Int = 1, labels: [ClassLabel]? = nil,
        sampler: Integrator? = nil, steps: Int? = nil, guidance: Double? = nil, seed: UInt64? = nil,
        format: ImageFormat = .png, encodeQuality: Int? = nil, scale: Int = 1,
        upscale: UpscaleFilter = .nearest, grid: Bool = false, priority: Int = 0, precision: PrecisionSetting? = nil
    ) {
        self.id = id
        self.model = model
        self.dataset = dataset
        self.count = count
        self.labels = labels
        self.sampler = sampler
        self.steps = steps
        self.guidance = guidance
        self.seed = seed
        self.format = format
        self.encodeQuality = encodeQuality
        self.scale = scale
        self.upscale = upscale
        self.grid = grid
        self.priority = priority
        self.precision = precision
    }

    /// `seed`, or a stable FNV-1a hash of the job id so a rerun draws the same noise.
    public var resolvedSeed: UInt64 {
        if let seed { return seed }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in (id ?? "").utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return hash
    }
}
