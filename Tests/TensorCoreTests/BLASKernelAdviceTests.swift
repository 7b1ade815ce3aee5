import TensorCore
// The generic-kernel advice: given when OpenBLAS picked an old family on a CPU with AVX2/AVX-512,
// never when the operator chose the family or the selection is already a modern one.
import Testing

@Suite struct BLASKernelAdviceTests {
    static let avx512: Set<String> = ["sse3", "avx2", "fma", "avx512f", "avx512bw", "avx512vl"]

    @Test func adviceNamesTheFasterFamily() {
        let advice = BLAS.kernelAdvice(core: "Prescott", flags: Self.avx512, environment: [:])
        #expect(advice?.contains("OPENBLAS_CORETYPE=SkylakeX") == true)
        #expect(BLAS.kernelAdvice(core: "Prescott", flags: ["avx2", "fma"], environment: [:])?.contains("=Haswell") == true)
    }

    @Test func noAdviceWhenChosenOrAlreadyModern() {
        #expect(BLAS.kernelAdvice(core: "Prescott", flags: Self.avx512, environment: ["OPENBLAS_CORETYPE": "Prescott"]) == nil)
        #expect(BLAS.kernelAdvice(core: "SkylakeX", flags: Self.avx512, environment: [:]) == nil)
        #expect(BLAS.kernelAdvice(core: "Prescott", flags: ["sse3"], environment: [:]) == nil)
    }
}
