// The transforms of Winograd F(2×2, 3×3) for the bf16 path, in fp32 with AVX-512. Input: each 4×4
// input tile d (zero padding of 1 around the image) becomes Bᵀ·d·B summed in fp32 and rounded to bf16
// once (nearest even), written entry-major [16][tiles][c] — the A operands of the 16 batched products.
// Output: Aᵀ·m·A + bias in fp32 from those products. The same sums, in the same order, as NeuralNet’s
// fp32 Winograd.transformInput and transformOutput.
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

/// Winograd F(2×2, 3×3) output transform in fp32: output [images][h][w][c] = Aᵀ·m·A + bias for every
/// tile of m [16][T][c]; the same sums in the same order as NeuralNet's Winograd.transformOutput.
__attribute__((target("avx512f,avx512bw,avx512vl")))
void kac_winograd_output(const float *m, long images, long h, long w, long c, const float *bias, float *output) {
    long tiles_y = (h + 1) / 2, tiles_x = (w + 1) / 2, tiles = images * tiles_y * tiles_x;
    long entry_stride = tiles * c;
    for (long tile = 0; tile < tiles; tile++) {
        long image = tile / (tiles_y * tiles_x), ty = (tile / tiles_x) % tiles_y, tx = tile % tiles_x;
        const float *source = m + tile * c;
        for (long ch = 0; ch < c; ch += 16) {
            __mmask16 mask = c - ch >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (c - ch)) - 1);
            __m512 r[2][4];
            for (int j = 0; j < 4; j++) {
                // Column j of Aᵀ·m: m0 + m1 + m2 and m1 − m2 − m3 over rows.
                __m512 x0 = _mm512_maskz_loadu_ps(mask, source + j * entry_stride + ch);
                __m512 x1 = _mm512_maskz_loadu_ps(mask, source + (4 + j) * entry_stride + ch);
                __m512 x2 = _mm512_maskz_loadu_ps(mask, source + (8 + j) * entry_stride + ch);
                __m512 x3 = _mm512_maskz_loadu_ps(mask, source + (12 + j) * entry_stride + ch);
                r[0][j] = _mm512_add_ps(_mm512_add_ps(x0, x1), x2);
                r[1][j] = _mm512_sub_ps(_mm512_sub_ps(x1, x2), x3);
            }
            __m512 offset = _mm512_maskz_loadu_ps(mask, bias + ch);
            for (int row = 0; row < 2; row++) {
                long y = 2 * ty + row;
                if (y >= h) continue;
                float *left = output + ((image * h + y) * w + 2 * tx) * c + ch;
                __m512 a = r[row][0], b = r[row][1], e = r[row][2], f = r[row][3];
                _mm512_mask_storeu_ps(left, mask, _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(a, b), e), offset));
                if (2 * tx + 1 < w)
                    _mm512_mask_storeu_ps(left + c, mask, _mm512_add_ps(_mm512_sub_ps(_mm512_sub_ps(b, e), f), offset));
            }
        }
    }
}
