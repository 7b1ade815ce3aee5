// What a checkpoint is to the store: an ordered list of named float tensors plus string metadata.
// ModelStore knows nothing about layers; the training code converts its parameter sets to and from
// this. Invariant: every tensor's value count equals the product of its shape.

/// How tensor values are stored on disk. Values are always `Float` in memory.
public enum TensorDType: String, Codable, Sendable, CaseIterable {
    case f32, f16

    /// The dtype string used in safetensors headers.
    public var safetensorsName: String {
        switch self {
        case .f32: return "F32"
        case .f16: return "F16"
        }
    }

    public var byteCount: Int {
        switch self {
        case .f32: return 4
        case .f16: return 2
        }
    }

    public init?(safetensorsName: String) {
        switch safetensorsName {
        case "F32": self = .f32
        case "F16": self = .f16
        default: return nil
        }
    }
}

/// One tensor: a dotted parameter name (`encoder.0.conv.weight`), its shape and row-major values.
public struct NamedTensor: Sendable, Equatable {
    public var name: String
    /// Row-major dimensions; `[]` is a scalar holding one value.
    public var shape: [Int]
    public var values: [Float]

    public init(name: String, shape: [Int], values: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "tensor \(name): negative dimension in shape \(shape)")
        precondition(
            shape.reduce(1, *) == values.count,
            "tensor \(name): shape \(shape) holds \(shape.reduce(1, *)) values, got \(values.count)")
        self.name = name
        self.shape = shape
        self.values = values
    }
}

/// An ordered set of named tensors with free-form string metadata (safetensors `__metadata__`).
public struct Checkpoint: Sendable, Equatable {
    public var tensors: [NamedTensor]
    public var metadata: [String: String]

    public init(tensors: [NamedTensor], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// The tensor called `name`, if any.
    public subscript(name: String) -> NamedTensor? {
        tensors.first { $0.name == name }
    }

    /// Total number of scalar values across all tensors.
    public var parameterCount: Int { tensors.reduce(0) { $0 + $1.values.count } }

    /// Checks the invariants a writer relies on: unique, non-empty names.
    func validate() throws {
        var seen = Set<String>()
        for tensor in tensors {
            if tensor.name.isEmpty { throw ModelStoreError.invalidCheckpoint(reason: "a tensor has an empty name") }
            if tensor.name == "__metadata__" {
                throw ModelStoreError.invalidCheckpoint(reason: "\"__metadata__\" is reserved and cannot name a tensor")
            }
            if !seen.insert(tensor.name).inserted {
                throw ModelStoreError.invalidCheckpoint(reason: "tensor name \"\(tensor.name)\" appears twice")
            }
        }
    }
}

/// IEEE 754 binary16 conversion done on bit patterns, so it behaves the same on every platform
/// (Swift's `Float16` is missing on some). Float → half rounds to nearest, ties to even; values
/// below half the smallest subnormal (2⁻²⁵) become signed zero, values past 65504 become infinity.
public enum HalfPrecision {
    public static func bits(from value: Float) -> UInt16 {
        let bits = value.bitPattern
        let sign = UInt16(truncatingIfNeeded: (bits >> 16) & 0x8000)
        let exponent = Int((bits >> 23) & 0xFF)
        let mantissa = bits & 0x7F_FFFF
        if exponent == 0xFF {
            // Infinity stays infinity; NaN stays a (quiet) NaN keeping the top payload bits.
            return mantissa == 0 ? sign | 0x7C00 : sign | 0x7E00 | UInt16(truncatingIfNeeded: mantissa >> 13)
        }
        let halfExponent = exponent - 127 + 15
        if halfExponent >= 0x1F { return sign | 0x7C00 }
        if halfExponent <= 0 {
            // Half subnormal: value = m × 2⁻²⁴. Below 2⁻²⁵ even the largest float mantissa rounds to 0.
            if halfExponent < -10 { return sign }
            let full = mantissa | 0x80_0000
            let shift = UInt32(14 - halfExponent)
            return sign | UInt16(truncatingIfNeeded: roundShift(full, by: shift))
        }
        // Normal: a carry out of the mantissa correctly bumps the exponent (up to infinity).
        let combined = UInt32(halfExponent) << 23 | mantissa
        return sign | UInt16(truncatingIfNeeded: roundShift(combined, by: 13))
    }

    public static func float(from bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = UInt32((bits >> 10) & 0x1F)
        let mantissa = UInt32(bits & 0x3FF)
        if exponent == 0 {
            // Zero or subnormal: m × 2⁻²⁴ is exact in Float.
            let magnitude = Float(mantissa) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        }
        if exponent == 0x1F { return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13) }
        return Float(bitPattern: sign | (exponent + 112) << 23 | mantissa << 13)
    }

    /// `value >> shift`, rounded to nearest with ties to even.
    private static func roundShift(_ value: UInt32, by shift: UInt32) -> UInt32 {
        let kept = value >> shift
        let remainder = value & ((1 << shift) - 1)
        let halfway: UInt32 = 1 << (shift - 1)
        if remainder > halfway || (remainder == halfway && kept & 1 == 1) { return kept + 1 }
        return kept
    }
}
