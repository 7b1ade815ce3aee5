// AVX-512 versions of the elementwise kernels that dominate sampling once the products are fast
// (SiLU, group normalisation's passes, softmax). Each (but kac_scale_shift_rows_bf16's SiLU, see
// there) computes exactly what the Swift loop it replaces computes — the same operations in the
// same order, no fused multiply-adds — so results are bit for bit those of the portable code; only
// the vector width differs. Callers ask `kac_cpu_avx512_supported()` first (cpuid + xgetbv at run
// time) and keep the Swift loop otherwise.
#ifndef KAC_VECTOR_H
#define KAC_VECTOR_H

/// 1 when the CPU and the OS support AVX-512F (cpuid + xgetbv), else 0.
int kac_cpu_avx512_supported(void);

/// y[i] = x[i]·σ(x[i]) with the Cephes exp polynomial of NeuralNet/FastMath.swift.
void kac_silu(const float *x, float *y, long count);

/// y[r][c] = x[r][c]·scale[c] + shift[c], then SiLU when `silu` is nonzero.
void kac_scale_shift_rows(const float *x, float *y, long rows, long columns, const float *scale, const float *shift,
                          int silu);

/// kac_scale_shift_rows, each result then rounded to bf16 (nearest even) into y. The scale and shift
/// are kac_scale_shift_rows' bit for bit; SiLU uses an exp good to bf16's precision only (half the
/// work), so a result is kac_scale_shift_rows' value rounded to bf16 or, in under 1 % of places, one
/// bf16 step from it (BF16RoundingKernelTests) — the one kernel here that is not the Swift loop's
/// twin. Needs AVX512_BF16 (callers check).
void kac_scale_shift_rows_bf16(const float *x, unsigned short *y, long rows, long columns, const float *scale,
                               const float *shift, int silu);

/// Each row of m replaced by its softmax: maximum subtracted, exp, then multiplied by 1 / (the sum
/// of the row, added in order).
void kac_softmax_rows(float *m, long rows, long columns);

/// sums[c] += Σ_r m[r][c], rows added in order.
void kac_accumulate_column_sums(const float *m, long rows, long columns, float *sums);

/// sums[c] = Σ_r (m[r][c] − centres[c])², rows added in order.
void kac_centred_square_sums(const float *m, long rows, long columns, const float *centres, float *sums);

#endif
