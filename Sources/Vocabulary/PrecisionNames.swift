// The arithmetic precision of sampling, as users spell it (`kac render --precision`, a job file's
// `precision`, kacd's `default-precision`) and as outputs record it (result.json, image metadata,
// the render fingerprint). Whether bf16 can run is a property of the CPU and of the process (oneDNN must be allowed to
// generate code), decided in TensorCore and Generation.

/// The precision a render ran in: fp32 throughout, or bf16 products (fp32 sums) in the network's
/// convolutions and attention projections.
public enum Precision: String, Codable, CaseIterable, Sendable {
    case fp32, bf16
}

/// What a user asks for: a precision, or `auto` (for rendering, where bf16 runs, whichever of the
/// two a loaded model measured faster: Generation's `ZooVelocityModel.resolvingPrecision`; else fp32).
public enum PrecisionSetting: String, Codable, CaseIterable, Sendable, CustomStringConvertible {
    case fp32, bf16, auto

    /// "fp32, bf16 or auto", for messages.
    public static let choices = "fp32, bf16 or auto"

    public var description: String { rawValue }

    /// The precision to use on a CPU with (`bf16Available`) or without bf16 support before any
    /// measurement (auto: bf16 allowed where it runs); nil when `bf16` is asked for and the CPU
    /// lacks it (callers refuse with `PrecisionUnavailable`).
    public func resolved(bf16Available: Bool) -> Precision? {
        switch self {
        case .fp32: .fp32
        case .bf16: bf16Available ? .bf16 : nil
        case .auto: bf16Available ? .bf16 : .fp32
        }
    }
}

/// `bf16` asked for where it cannot run, and why.
public struct PrecisionUnavailable: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        /// The CPU (or the OS) lacks AVX512_BF16.
        case cpuLacksBF16
        /// The CPU has it, but this process may not make written memory executable, and oneDNN
        /// generates its kernels at run time (systemd's MemoryDenyWriteExecute=, PR_SET_MDWE).
        case executableMemoryDenied
        /// oneDNN failed to build or run a small bf16 product here; its message.
        case libraryFailed(String)
    }

    public let reason: Reason
    public init(reason: Reason = .cpuLacksBF16) { self.reason = reason }

    public var description: String {
        switch reason {
        case .cpuLacksBF16:
            "precision bf16 needs a CPU with AVX512_BF16 (Intel Cooper Lake / Sapphire Rapids or newer, AMD Zen 4 or newer) and this one lacks it; use fp32, or auto to pick bf16 only where it runs"
        case .executableMemoryDenied:
            "precision bf16 runs on oneDNN, which generates its kernels at run time, and this process may not make memory executable (systemd's MemoryDenyWriteExecute=yes, prctl PR_SET_MDWE or an SELinux execmem denial); lift that restriction for this program, or use fp32 (auto runs fp32 here)"
        case .libraryFailed(let message):
            "precision bf16: oneDNN could not run a bf16 product on this machine (\(message)); use fp32, or auto to pick bf16 only where it runs"
        }
    }
}
