// Seeded, splittable randomness. Every random draw in the project comes from a RandomSource that
// is passed in explicitly; none is global. The generator is xoshiro256** seeded through SplitMix64,
// and its whole state is four UInt64s, so trainers checkpoint it and resume bit-exactly.

public struct RandomSource: RandomNumberGenerator, Sendable, Equatable, Codable {
    // Four words, not an array: `next()` runs once per random draw (a 28×28 prior draws ~8,000),
    // and an array's uniqueness and bounds checks cost more than the generator itself.
    @usableFromInline var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    /// The whole state, four words (what `init(state:)` restores and checkpoints store).
    public var state: [UInt64] { [s0, s1, s2, s3] }

    /// A generator for `seed`; `stream` selects an independent sequence (e.g. image index), so
    /// image i of a request draws the same numbers whether rendered alone or in a batch.
    public init(seed: UInt64, stream: UInt64 = 0) {
        var mixer = seed ^ (stream &* 0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03
        if stream != 0 { mixer = RandomSource.splitMix(&mixer) ^ stream }
        s0 = RandomSource.splitMix(&mixer)
        s1 = RandomSource.splitMix(&mixer)
        s2 = RandomSource.splitMix(&mixer)
        s3 = RandomSource.splitMix(&mixer)
        if s0 | s1 | s2 | s3 == 0 { s0 = 1 }
    }

    private enum CodingKeys: String, CodingKey { case state }

    /// Decodes `{"state": [four words]}`, the form the generator has always been encoded in.
    public init(from decoder: any Decoder) throws {
        let words = try decoder.container(keyedBy: CodingKeys.self).decode([UInt64].self, forKey: .state)
        guard words.count == 4 else {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(codingPath: decoder.codingPath, debugDescription: "RandomSource state needs 4 words, got \(words.count)"))
        }
        self.init(state: words)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(state, forKey: .state)
    }

    /// Restores a generator from a saved `state` (four words).
    public init(state: [UInt64]) {
        precondition(state.count == 4, "RandomSource state needs 4 words, got \(state.count)")
        (s0, s1, s2, s3) = (state[0], state[1], state[2], state[3])
    }

    private static func splitMix(_ x: inout UInt64) -> UInt64 {
        x &+= 0x9E37_79B9_7F4A_7C15
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    @inlinable
    static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    @inlinable
    public mutating func next() -> UInt64 {
        let result = RandomSource.rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = RandomSource.rotl(s3, 45)
        return result
    }

    /// Uniform in [0, 1) with 53 random bits. Inlinable like `next()`: loading a zoo model draws
    /// the network's initial weights (1.06 million for the shipped UNet) before its weights replace
    /// them, and a call across modules per draw made that several milliseconds of every start-up.
    @inlinable
    public mutating func uniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Uniform in (0, 1): safe for logarithms.
    @inlinable
    public mutating func uniformOpen() -> Double {
        (Double(next() >> 11) + 0.5) * 0x1.0p-53
    }

    /// Standard normal by Box–Muller (one of the pair is discarded to keep the state simple).
    public mutating func normal() -> Double {
        let u1 = uniformOpen(), u2 = uniform()
        return (-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2)
    }

    /// Exponential with the given rate.
    @inlinable
    public mutating func exponential(rate: Double) -> Double {
        -_log(uniformOpen()) / rate
    }

    /// Poisson(mean) by inversion (Knuth); fine for the small means (a·t ≤ ~50) used here.
    public mutating func poisson(mean: Double) -> Int {
        precondition(mean >= 0 && mean < 700, "poisson mean \(mean) out of the supported range [0, 700)")
        let limit = _exp(-mean)
        var product = uniform()
        var count = 0
        while product > limit {
            product *= uniform()
            count += 1
        }
        return count
    }

    /// Uniform integer in 0..<upperBound.
    public mutating func index(below upperBound: Int) -> Int {
        Int.random(in: 0..<upperBound, using: &self)
    }

    /// A new independent generator derived from this one (advances this one).
    public mutating func split() -> RandomSource {
        RandomSource(seed: next(), stream: next())
    }
}

// Glibc math without importing Foundation into TensorCore's public surface.
#if canImport(Glibc)
import Glibc
@inlinable func _log(_ x: Double) -> Double { Glibc.log(x) }
@inline(__always) func _cos(_ x: Double) -> Double { Glibc.cos(x) }
@inline(__always) func _exp(_ x: Double) -> Double { Glibc.exp(x) }
#else
import Darwin
@inlinable func _log(_ x: Double) -> Double { Darwin.log(x) }
@inline(__always) func _cos(_ x: Double) -> Double { Darwin.cos(x) }
@inline(__always) func _exp(_ x: Double) -> Double { Darwin.exp(x) }
#endif
