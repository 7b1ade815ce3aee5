import ModelStore
import TestSupport
// Float ↔ binary16 against Swift's own Float16 (IEEE round-to-nearest-even in hardware/compiler-rt):
// every half value round-trips, and float → half agrees on edge cases and a million random floats.
import Testing

@Suite struct HalfPrecisionTests {
    @Test func everyHalfRoundTrips() {
        for bits in UInt16.min...UInt16.max {
            let value = HalfPrecision.float(from: bits)
            #expect(value.bitPattern == Float(Float16(bitPattern: bits)).bitPattern || value.isNaN)
            if !value.isNaN {
                #expect(HalfPrecision.bits(from: value) == bits)
            } else {
                #expect(HalfPrecision.float(from: HalfPrecision.bits(from: value)).isNaN)
            }
        }
    }

    @Test func matchesFloat16OnEdgeCases() {
        let edges: [Float] = [
            0, -0, 1, -1, 65504, 65519.99, 65520, -65520, 1e10, .infinity, -.infinity,
            0x1p-24, 0x1p-25, 0x1.000002p-25, 0x1.8p-24, 0x1.4p-24, 0x1p-14, 0x1.ffcp-15,
            0x1.ffep-15, 1e-30, .leastNonzeroMagnitude, 1 + 0x1p-11, 1 + 0x1.8p-10, 0.1, -3.14159,
        ]
        for value in edges {
            #expect(HalfPrecision.bits(from: value) == Float16(value).bitPattern, "value \(value)")
        }
    }

    @Test func matchesFloat16OnRandomBitPatterns() {
        var random = SplitMix64(state: 7)
        for _ in 0..<1_000_000 {
            let value = Float(bitPattern: UInt32.random(in: 0...UInt32.max, using: &random))
            if value.isNaN { continue }
            #expect(HalfPrecision.bits(from: value) == Float16(value).bitPattern)
        }
    }
}
