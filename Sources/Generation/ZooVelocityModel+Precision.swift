// Sampling a zoo model in fp32 or bf16. The bf16 form is a second network over the same (shared,
// copy-on-write) fp32 parameters whose GEMM weights are rounded to bf16 once, when it is first
// asked for; it then lives as long as the loaded model. bf16 needs AVX512_BF16, read from the CPU
// at run time, and a process allowed to run oneDNN's generated code: `bf16` is refused where either
// is missing (with the reason) and `auto` falls back to fp32. Where both run, `auto` is the one
// measured faster for the model (ZooVelocityModel+AutoPrecision). `decide` reads the capability
// once (through a `BF16Probe`); `resolvingPrecision` and `inPrecision` take its answer as given.
import Foundation
import NeuralNet
import TensorCore
import Vocabulary

/// The networks of one loaded model, one per precision (bf16 made on first use).
final class PrecisionTwins: @unchecked Sendable {
    // @unchecked: `bf16` is written once under `lock`; the networks are only sampled afterwards.
    let fp32: any VelocityNetwork
    private let lock = NSLock()
    private var bf16: (any VelocityNetwork)?
    /// What `auto` measured, by call shape (ZooVelocityModel+AutoPrecision), guarded by `choiceLock`.
    let choiceLock = NSLock()
    var autoChoices: [NetworkShape: PrecisionMeasurement] = [:]

    init(fp32: any VelocityNetwork) { self.fp32 = fp32 }

    /// Bytes of weights held: the fp32 parameters, plus the bf16 copies once made.
    var weightBytes: Int {
        let bf16Bytes = lock.withLock { (bf16 as? UNet)?.bf16Weights?.residentBytes ?? 0 }
        return fp32.parameters.scalarCount * MemoryLayout<Float>.size + bf16Bytes
    }

    /// Bytes of sampling scratch both networks keep between calls (one set per call that ran at once).
    var scratchBytes: Int {
        let bf16Bytes = lock.withLock { bf16?.samplingScratchBytes ?? 0 }
        return fp32.samplingScratchBytes + bf16Bytes
    }

    func bf16Network(architecture: NetworkArchitecture, model: String) throws -> any VelocityNetwork {
        try lock.withLock {
            if let bf16 { return bf16 }
            var scratch = RandomSource(seed: 0)
            let network = architecture.makeNetwork(random: &scratch)
            guard let unet = network as? UNet else {
                throw ZooModelError.badArchitecture(model: model, reason: "bf16 sampling is implemented for UNet models only")
            }
            unet.parameters = fp32.parameters
            try unet.useBF16Inference()
            bf16 = unet
            return unet
        }
    }
}

/// Reads whether this process can run bf16 (nil) or why not. `system` reads the CPU (TensorCore
/// reads it once per process); a daemon's configuration may hold another, so tests can count the
/// reads or play a machine without bf16.
public struct BF16Probe: Sendable {
    public let read: @Sendable () -> PrecisionUnavailable?

    public init(_ read: @escaping @Sendable () -> PrecisionUnavailable?) { self.read = read }

    public static let system = BF16Probe { ZooVelocityModel.bf16Unavailable }
}

/// A precision setting decided against one reading of the bf16 capability.
public struct PrecisionDecision: Sendable, Equatable {
    public let setting: PrecisionSetting
    /// fp32 or bf16 as named; auto: bf16 where it runs, else fp32 (before any measurement).
    public let precision: Precision

    /// Whether a loaded model measures which precision runs faster: `auto` where bf16 runs.
    public var measures: Bool { setting == .auto && precision == .bf16 }
}

extension ZooVelocityModel {
    /// Whether this process runs bf16 (AVX512_BF16 and oneDNN's generated kernels; AMX is used
    /// too where present).
    public static var bf16Available: Bool { BF16.isSupported }

    /// Why bf16 cannot run here; nil when it can.
    public static var bf16Unavailable: PrecisionUnavailable? {
        switch BF16.availability {
        case .available: nil
        case .cpuLacksBF16: PrecisionUnavailable(reason: .cpuLacksBF16)
        case .executableMemoryDenied: PrecisionUnavailable(reason: .executableMemoryDenied)
        case .libraryFailed(let message): PrecisionUnavailable(reason: .libraryFailed(message))
        }
    }

    /// The precision `setting` can mean here before any model is measured (auto: bf16 where it
    /// runs, else fp32); throws `PrecisionUnavailable` (with the reason) for bf16 where it cannot
    /// run. A loaded model's `resolvingPrecision` decides auto by measurement.
    public static func resolve(_ setting: PrecisionSetting) throws(PrecisionUnavailable) -> Precision {
        try decide(setting).precision
    }

    /// `setting` decided against one reading of `probe`: refused (with the reason) for bf16 where
    /// it cannot run; else the decision a loaded model's `resolvingPrecision` carries out without
    /// reading the capability again.
    public static func decide(_ setting: PrecisionSetting, probe: BF16Probe = .system) throws(PrecisionUnavailable) -> PrecisionDecision {
        let unavailable = probe.read()
        guard let precision = setting.resolved(bf16Available: unavailable == nil) else {
            throw unavailable ?? PrecisionUnavailable()
        }
        return PrecisionDecision(setting: setting, precision: precision)
    }

    /// Bytes of weights this loaded model holds in memory: fp32, and bf16 once it was asked for.
    public var weightBytes: Int { twins.weightBytes }

    /// Weights plus the sampling scratch its networks keep (grows with the calls that ran at once):
    /// what a model cache counts against its budget.
    public var memoryBytes: Int { twins.weightBytes + twins.scratchBytes }

    /// This model sampling in `precision` (same manifest and settings, the description not decoded
    /// again; weights rounded once). `precision` is a decision already made — by `resolve`, or after
    /// `bf16Available` — and is not checked again: bf16 where it cannot run is a contract violation
    /// (BF16Matrix's precondition). Throws only for a network bf16 does not cover (not a UNet).
    public func inPrecision(_ precision: Precision) throws -> ZooVelocityModel {
        if precision == self.precision { return self }
        let network: any VelocityNetwork
        switch precision {
        case .fp32: network = twins.fp32
        case .bf16: network = try twins.bf16Network(architecture: architecture, model: label)
        }
        return ZooVelocityModel(modelDescription, network: network, precision: precision, twins: twins)
    }
}
