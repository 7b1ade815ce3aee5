// A seeded fuzz run over mutated job files: the validator must never crash, and every file is
// either accepted (and then round-trips) or rejected with a code and a non-empty reason.
import Foundation
import Spool
import TestSupport
import Testing

@Suite struct JobFuzzTests {
    static let seeds: [String] = [
        #"{"schema": 1, "model": "fashion:v2", "count": 3, "labels": ["sneaker", 0], "seed": 7}"#,
        #"{"schema": 1, "quality": "best", "count": 10, "sampler": "heun", "steps": 32, "guidance": 2.5, "format": "jpeg", "encodeQuality": 90, "grid": true}"#,
        #"{"schema": 1, "maxSteps": 4, "count": 4, "format": "webp", "priority": 10, "scale": 3, "upscale": "lanczos"}"#,
    ]
    static let fragments = [
        "\"count\"", "\"labels\"", ": ", ",", "{", "}", "[", "]", "NaN", "1e400", "-0", "\"\\u0000\"",
        "\"\\ud83d\\ude00\"", "null", "true", "18446744073709551616", "\"schema\": 2", "\u{FEFF}", "\"id\": \"../x\"",
    ]

    static func mutate(_ text: String, using random: inout SplitMix64) -> [UInt8] {
        var bytes = Array(text.utf8)
        for _ in 0..<Int.random(in: 1...3, using: &random) {
            let position = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &random)
            switch Int.random(in: 0..<6, using: &random) {
            case 0: if !bytes.isEmpty { bytes[position] = UInt8.random(in: 0...255, using: &random) }
            case 1: bytes = Array(bytes.prefix(position))
            case 2: bytes.insert(contentsOf: Array(fragments.randomElement(using: &random)!.utf8), at: position)
            case 3: if !bytes.isEmpty { bytes.remove(at: position) }
            case 4: bytes += Array(repeating: UInt8(ascii: "["), count: Int.random(in: 1...50, using: &random))
            default:
                let swap = Int.random(in: 0..<bytes.count, using: &random)
                bytes.swapAt(position, swap)
            }
        }
        return bytes
    }

    @Test func twoThousandMutatedFilesAreAcceptedOrRejectedWithAReason() throws {
        var random = SplitMix64(state: 0x5EED)
        let validator = JobValidator()
        var accepted = 0, rejected = 0
        var codes = Set<JobValidationError.Code>()
        for index in 0..<2000 {
            let bytes = Self.mutate(Self.seeds[index % Self.seeds.count], using: &random)
            do {
                let parsed = try validator.validate(bytes)
                #expect(try validator.validate(parsed.jsonBytes()) == parsed, "case \(index)")
                accepted += 1
            } catch {
                #expect(!error.message.isEmpty, "case \(index)")
                codes.insert(error.code)
                rejected += 1
            }
        }
        #expect(accepted + rejected == 2000)
        #expect(accepted > 20 && rejected > 1000, "accepted \(accepted), rejected \(rejected)")
        #expect(codes.count >= 6, "only saw \(codes)")
    }
}
