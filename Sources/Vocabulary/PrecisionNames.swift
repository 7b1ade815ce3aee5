// The arithmetic precision of sampling, as users spell it (`kac render --precision`, a job file's
// `precision`, kacd's `default-precision`) and as outputs record it (result.json, image metadata,
// the render fingerprint). Whether bf16 can run is a property of the CPU, decided in Generation.

/// The precision a render ran in: fp32 throughout, or bf16 products (fp32 sums) in the network's
/// convolutions and attention projections.
public enum Precision: String, Codable, CaseIterable, Sendable {
    case fp32, bf16
}

/// What a user asks for: a precision, or `auto` (bf16 where the CPU has it, else fp32).
public enum PrecisionSetting: String, Codable, CaseIterable, Sendable, CustomStringConvertible {
    case fp32, bf16, auto

    /// "fp32, bf16 or auto", for messages.
    public static let choices = "fp32, bf16 or auto"

    public var description: String { rawValue }

    /// The precision to use on a CPU with (`bf16Available`) or without bf16 support; nil when
    /// `bf16` is asked for and the CPU lacks it (callers refuse with `PrecisionUnavailable`).
    public func resolved(bf16Available: Bool) -> Precision? {
        switch self {
        case .fp32: .fp32
        case .bf16: bf16Available ? .bf16 : nil
        case .auto: bf16Available ? .bf16 : .fp32
        }
    }
}

/// `bf16` asked for on a CPU that cannot run it.
public struct PrecisionUnavailable: Error, Sendable, Equatable, CustomStringConvertible {
    public init() {}
    public var description: String {
        "precision bf16 needs a CPU with AVX512_BF16 (Intel Cooper Lake / Sapphire Rapids or newer, AMD Zen 4 or newer) and this one lacks it; use fp32, or auto to pick bf16 only where it runs"
    }
}
