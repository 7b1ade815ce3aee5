// bf16 GEMM kernels for inference on CPUs with AVX512_BF16 (vdpbf16ps: pairs of bf16 products
// accumulated in fp32). Built for every x86-64 CPU: the AVX-512 code is compiled per function with
// target attributes and only called after `kac_bf16_cpu_supported()` (Sources/CBFloat16, linked into the bench) said yes.
// Invariant: each output row depends only on its own row of A and on B, with a fixed summation
// order, so results do not depend on M, on how rows are split between threads, or on the batch.
#ifndef KAC_BF16_GEMM_H
#define KAC_BF16_GEMM_H
#include <stddef.h>
#include <stdint.h>

/// Elements (uint16) of the packed form of a k×n matrix B: [ceil(k/2)][round16(n)][2].
size_t own_bf16_packed_count(int k, int n);

/// Packs B (k×n row-major with row stride ldb, or, when transposed, n×k with row stride ldb) into
/// bf16 pairs along k, rounding to nearest even; the padding is zero. Needs AVX512_BF16.
void own_bf16_pack_b(const float *b, int ldb, int transposed, int k, int n, uint16_t *packed);

/// Elements (uint16) of scratch `own_bf16_gemm` needs for m rows of A with k columns.
size_t own_bf16_scratch_count(int m, int k);

/// C[m×n] (row stride ldc) = alpha · A[m×k] (fp32, row stride lda) · B (packed by own_bf16_pack_b).
/// A is rounded to bf16 into `scratch` first; products are summed in fp32. Needs AVX512_BF16.
void own_bf16_gemm(
    int m, int n, int k, float alpha, const float *a, int lda, const uint16_t *packed_b,
    float *c, int ldc, uint16_t *scratch);

/// The fp32 FMA peak probe (registers only, one thread, `iterations` rounds of 24 independent
/// vector instructions): returns the number of instructions executed. The bf16 twin is
/// `kac_bf16_dot_probe` in Sources/CBFloat16.
long own_fp32_peak_probe(long iterations);

#endif
