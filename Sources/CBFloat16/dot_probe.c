// The bf16 peak probe: independent vdpbf16ps on registers, compiled for AVX512_BF16 by attribute
// so the rest of the build targets any x86-64 CPU.
#include "kac_bf16.h"
#include <immintrin.h>

__attribute__((target("avx512f,avx512bf16")))
double kac_bf16_dot_probe(long iterations) {
    __m512 acc[24];
    for (int i = 0; i < 24; i++) acc[i] = _mm512_set1_ps((float)i);
    __m512bh x = (__m512bh)_mm512_set1_epi32(0x3f803f80), y = (__m512bh)_mm512_set1_epi32(0x00010001);
    for (long r = 0; r < iterations; r++) {
        for (int i = 0; i < 24; i++) acc[i] = _mm512_dpbf16_ps(acc[i], x, y);
        __asm__ volatile("" : "+v"(x));
    }
    float sum = 0;
    for (int i = 0; i < 24; i++) sum += _mm512_reduce_add_ps(acc[i]);
    __asm__ volatile("" ::"x"(sum));
    return (double)iterations * 24 * 64;
}
