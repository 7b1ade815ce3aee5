// See kac_vector.h. Every kernel walks columns in blocks of 16 (a masked block for the rest) and
// rows in order, with separate multiplies and adds, matching the Swift loops' rounding exactly.
#include "kac_vector.h"
#include <cpuid.h>
#include <immintrin.h>
#include <stdint.h>

static uint64_t read_xcr0(void) {
    uint32_t eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((uint64_t)edx << 32) | eax;
}

int kac_cpu_avx512_supported(void) {
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & (1u << 27))) return 0;  // OSXSAVE
    // XCR0: SSE, AVX, opmask, ZMM_Hi256 and Hi16_ZMM state enabled by the OS.
    if ((read_xcr0() & 0xE6) != 0xE6) return 0;
    if (__get_cpuid_max(0, 0) < 7) return 0;
    __cpuid_count(7, 0, eax, ebx, ecx, edx);
    return (ebx & (1u << 16)) ? 1 : 0;  // AVX-512F
}

#define AVX512 __attribute__((target("avx512f")))

static inline AVX512 __mmask16 tail_mask(long remaining) {
    return remaining >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << remaining) - 1);
}

/// fastExp of FastMath.swift, 16 lanes: same constants, same order of operations.
static inline AVX512 __m512 fast_exp(__m512 input) {
    __m512 x = _mm512_min_ps(_mm512_max_ps(input, _mm512_set1_ps(-87.3f)), _mm512_set1_ps(88.3f));
    __m512 magic = _mm512_set1_ps(12582912.0f);
    __m512 shifted = _mm512_add_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504f)), magic);
    __m512 n = _mm512_sub_ps(shifted, magic);
    __m512 r = _mm512_add_ps(_mm512_sub_ps(x, _mm512_mul_ps(n, _mm512_set1_ps(0.693359375f))),
                             _mm512_mul_ps(n, _mm512_set1_ps(2.1219444e-4f)));
    __m512 p = _mm512_set1_ps(1.98756915e-4f);
    p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(1.39819995e-3f));
    p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(8.3334519e-3f));
    p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(4.16657959e-2f));
    p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(1.66666655e-1f));
    p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(5.00000012e-1f));
    p = _mm512_add_ps(_mm512_add_ps(_mm512_mul_ps(_mm512_mul_ps(p, r), r), r), _mm512_set1_ps(1.0f));
    __m512i exponent = _mm512_sub_epi32(_mm512_castps_si512(shifted), _mm512_castps_si512(magic));
    __m512i bits = _mm512_slli_epi32(_mm512_add_epi32(exponent, _mm512_set1_epi32(127)), 23);
    return _mm512_mul_ps(p, _mm512_castsi512_ps(bits));
}

/// x·σ(x) = x · 1 / (1 + exp(−x)).
static inline AVX512 __m512 silu(__m512 x) {
    __m512 negated = _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(x), _mm512_set1_epi32((int)0x80000000)));
    __m512 one = _mm512_set1_ps(1.0f);
    __m512 sigmoid = _mm512_div_ps(one, _mm512_add_ps(one, fast_exp(negated)));
    return _mm512_mul_ps(x, sigmoid);
}

AVX512 void kac_silu(const float *x, float *y, long count) {
    for (long i = 0; i < count; i += 16) {
        __mmask16 mask = tail_mask(count - i);
        _mm512_mask_storeu_ps(y + i, mask, silu(_mm512_maskz_loadu_ps(mask, x + i)));
    }
}

AVX512 void kac_scale_shift_rows(const float *x, float *y, long rows, long columns, const float *scale,
                                 const float *shift, int apply_silu) {
    for (long c = 0; c < columns; c += 16) {
        __mmask16 mask = tail_mask(columns - c);
        __m512 a = _mm512_maskz_loadu_ps(mask, scale + c), b = _mm512_maskz_loadu_ps(mask, shift + c);
        for (long r = 0; r < rows; r++) {
            __m512 v = _mm512_add_ps(_mm512_mul_ps(_mm512_maskz_loadu_ps(mask, x + r * columns + c), a), b);
            if (apply_silu) v = silu(v);
            _mm512_mask_storeu_ps(y + r * columns + c, mask, v);
        }
    }
}

AVX512 void kac_softmax_rows(float *m, long rows, long columns) {
    for (long r = 0; r < rows; r++) {
        float *values = m + r * columns;
        __m512 largest = _mm512_set1_ps(-__builtin_inff());
        for (long c = 0; c < columns; c += 16) {
            __mmask16 mask = tail_mask(columns - c);
            largest = _mm512_mask_max_ps(largest, mask, largest, _mm512_maskz_loadu_ps(mask, values + c));
        }
        __m512 top = _mm512_set1_ps(_mm512_reduce_max_ps(largest));
        for (long c = 0; c < columns; c += 16) {
            __mmask16 mask = tail_mask(columns - c);
            _mm512_mask_storeu_ps(values + c, mask, fast_exp(_mm512_sub_ps(_mm512_maskz_loadu_ps(mask, values + c), top)));
        }
        float total = 0;  // in order, as the Swift loop adds
        for (long c = 0; c < columns; c++) total += values[c];
        __m512 inverse = _mm512_set1_ps(1 / total);
        for (long c = 0; c < columns; c += 16) {
            __mmask16 mask = tail_mask(columns - c);
            _mm512_mask_storeu_ps(values + c, mask, _mm512_mul_ps(_mm512_maskz_loadu_ps(mask, values + c), inverse));
        }
    }
}

#define AVX512BF16 __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16,fma")))

/// exp to the precision a bf16 result needs (relative error below 6e-5, against the 2e-3 of bf16's
/// half step): the same range reduction as fast_exp with fused multiply-adds and a degree-4 Taylor
/// polynomial on |r| ≤ ln 2 / 2 — half fast_exp's work, which dominated the rounding pass.
static inline AVX512BF16 __m512 bf16_exp(__m512 input) {
    __m512 x = _mm512_min_ps(_mm512_max_ps(input, _mm512_set1_ps(-87.3f)), _mm512_set1_ps(88.3f));
    __m512 magic = _mm512_set1_ps(12582912.0f);
    __m512 shifted = _mm512_fmadd_ps(x, _mm512_set1_ps(1.44269504f), magic);
    __m512 n = _mm512_sub_ps(shifted, magic);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693147181f), x);
    __m512 p = _mm512_fmadd_ps(_mm512_set1_ps(1.0f / 24), r, _mm512_set1_ps(1.0f / 6));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    __m512i exponent = _mm512_sub_epi32(_mm512_castps_si512(shifted), _mm512_castps_si512(magic));
    __m512i bits = _mm512_slli_epi32(_mm512_add_epi32(exponent, _mm512_set1_epi32(127)), 23);
    return _mm512_mul_ps(p, _mm512_castsi512_ps(bits));
}

AVX512BF16 void kac_scale_shift_rows_bf16(const float *x, unsigned short *y, long rows, long columns,
                                          const float *scale, const float *shift, int apply_silu) {
    __m512 one = _mm512_set1_ps(1.0f);
    for (long r = 0; r < rows; r++) {
        for (long c = 0; c < columns; c += 16) {
            __mmask16 mask = tail_mask(columns - c);
            __m512 a = _mm512_maskz_loadu_ps(mask, scale + c), b = _mm512_maskz_loadu_ps(mask, shift + c);
            __m512 v = _mm512_add_ps(_mm512_mul_ps(_mm512_maskz_loadu_ps(mask, x + r * columns + c), a), b);
            if (apply_silu) v = _mm512_div_ps(v, _mm512_add_ps(one, bf16_exp(_mm512_sub_ps(_mm512_setzero_ps(), v))));
            _mm256_mask_storeu_epi16(y + r * columns + c, mask, (__m256i)_mm512_cvtneps_pbh(v));
        }
    }
}

AVX512 void kac_accumulate_column_sums(const float *m, long rows, long columns, float *sums) {
    for (long c = 0; c < columns; c += 16) {
        __mmask16 mask = tail_mask(columns - c);
        __m512 s = _mm512_maskz_loadu_ps(mask, sums + c);
        for (long r = 0; r < rows; r++) s = _mm512_add_ps(s, _mm512_maskz_loadu_ps(mask, m + r * columns + c));
        _mm512_mask_storeu_ps(sums + c, mask, s);
    }
}

AVX512 void kac_centred_square_sums(const float *m, long rows, long columns, const float *centres, float *sums) {
    for (long c = 0; c < columns; c += 16) {
        __mmask16 mask = tail_mask(columns - c);
        __m512 centre = _mm512_maskz_loadu_ps(mask, centres + c), s = _mm512_setzero_ps();
        for (long r = 0; r < rows; r++) {
            __m512 d = _mm512_sub_ps(_mm512_maskz_loadu_ps(mask, m + r * columns + c), centre);
            s = _mm512_add_ps(s, _mm512_mul_ps(d, d));
        }
        _mm512_mask_storeu_ps(sums + c, mask, s);
    }
}
