// The precision setting: fp32 always runs, bf16 only where the CPU has it (else refused), auto
// falls back to fp32; and the refusal says what to do instead.
import Testing
import Vocabulary

struct PrecisionNamesTests {
    @Test func settingsResolveByCPU() {
        #expect(PrecisionSetting.fp32.resolved(bf16Available: true) == .fp32)
        #expect(PrecisionSetting.fp32.resolved(bf16Available: false) == .fp32)
        #expect(PrecisionSetting.bf16.resolved(bf16Available: true) == .bf16)
        #expect(PrecisionSetting.bf16.resolved(bf16Available: false) == nil)
        #expect(PrecisionSetting.auto.resolved(bf16Available: true) == .bf16)
        #expect(PrecisionSetting.auto.resolved(bf16Available: false) == .fp32)
    }

    @Test func spellingsAndRefusal() {
        #expect(PrecisionSetting.allCases.map(\.rawValue) == ["fp32", "bf16", "auto"])
        #expect(PrecisionSetting(rawValue: "fp16") == nil)
        let message = PrecisionUnavailable().description
        #expect(message.contains("AVX512_BF16") && message.contains("fp32") && message.contains("auto"))
    }
}
