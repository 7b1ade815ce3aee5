// The input transform of Winograd F(2×2, 3×3) for the bf16 path: each 4×4 input tile d (zero
// padding of 1 around the image) becomes Bᵀ·d·B computed in fp32 and rounded to bf16 once
// (nearest even), written entry-major [16][tiles][c] — the A operands of the 16 batched products.
// The same sums, in the same order, as NeuralNet's fp32 Winograd.transformInput.
#include "kac_bf16.h"
#include <immintrin.h>

__attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))
void kac_winograd_input_bf16(const float *input, long images, long h, long w, long c, unsigned short *v) {
    long tiles_y = (h + 1) / 2, tiles_x = (w + 1) / 2, tiles = images * tiles_y * tiles_x;
    long entry_stride = tiles * c;
    for (long tile = 0; tile < tiles; tile++) {
        long image = tile / (tiles_y * tiles_x), ty = (tile / tiles_x) % tiles_y, tx = tile % tiles_x;
        const float *rows[4];
        int valid_x[4];
        for (int i = 0; i < 4; i++) {
            long y = 2 * ty - 1 + i;
            rows[i] = (y >= 0 && y < h) ? input + (image * h + y) * w * c : 0;
            long x = 2 * tx - 1 + i;
            valid_x[i] = x >= 0 && x < w;
        }
        unsigned short *target = v + tile * c;
        for (long ch = 0; ch < c; ch += 16) {
            __mmask16 mask = c - ch >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (c - ch)) - 1);
            __m512 d[4][4];
            for (int i = 0; i < 4; i++)
                for (int j = 0; j < 4; j++)
                    d[i][j] = rows[i] && valid_x[j]
                        ? _mm512_maskz_loadu_ps(mask, rows[i] + (2 * tx - 1 + j) * c + ch)
                        : _mm512_setzero_ps();
            // Bᵀ·d over rows: d0 − d2, d1 + d2, d2 − d1, d1 − d3 (per column).
            __m512 t[4][4];
            for (int j = 0; j < 4; j++) {
                t[0][j] = _mm512_sub_ps(d[0][j], d[2][j]);
                t[1][j] = _mm512_add_ps(d[1][j], d[2][j]);
                t[2][j] = _mm512_sub_ps(d[2][j], d[1][j]);
                t[3][j] = _mm512_sub_ps(d[1][j], d[3][j]);
            }
            // (Bᵀ·d)·B over columns: the same combinations; entry 4·row + column.
            for (int i = 0; i < 4; i++) {
                __m512 o[4] = {
                    _mm512_sub_ps(t[i][0], t[i][2]), _mm512_add_ps(t[i][1], t[i][2]),
                    _mm512_sub_ps(t[i][2], t[i][1]), _mm512_sub_ps(t[i][1], t[i][3])};
                for (int j = 0; j < 4; j++) {
                    __m256bh rounded = _mm512_cvtneps_pbh(o[j]);
                    _mm256_mask_storeu_epi16(target + (4 * i + j) * entry_stride + ch, mask, (__m256i)rounded);
                }
            }
        }
    }
}
