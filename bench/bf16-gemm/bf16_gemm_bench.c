// The library question of issue 15, answered on the network's own GEMM shapes: OpenBLAS sgemm
// (fp32) against bf16 through a kernel of our own on AVX512_BF16 (own_kernel.c: vdpbf16ps on
// weights packed in k-pairs) and through oneDNN's matmul primitive as the package calls it
// (Sources/CBFloat16: libdnnl-dev 2.6.3, bf16 weights reordered once, runtime M, f32 output).
// One thread each (the renderer's tasks call single-threaded GEMMs). Times include rounding the
// fp32 activations to bf16 for both bf16 paths. Build and run: bench/bf16-gemm/run.sh
#include <cblas.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <math.h>
#include "kac_bf16.h"
#include "own_kernel.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}


typedef struct { const char *what; int m, n, k; } Shape;

// Winograd entry GEMMs (tiles × Cin · Cin × Cout) at 28², 14², 7² with 8 images per task (16 slots,
// 2 tasks), the stride-2 im2col downsample, the attention qkv and projection, 1×1 skip convs.
static const Shape shapes[] = {
    {"wino 28² c32→32 (2 img)", 392, 32, 32},
    {"wino 28² c64→32 (up)", 392, 32, 64},
    {"wino 14² c64→64 (5 img)", 245, 64, 64},
    {"wino 14² c128→64 (up)", 245, 64, 128},
    {"wino 7² c64→64 (8 img)", 128, 64, 64},
    {"wino 7² c128→64 (up)", 128, 64, 128},
    {"im2col s2 28→14 c32", 392, 32, 288},
    {"attn qkv 7² (8 img)", 392, 192, 64},
    {"attn proj 7² (8 img)", 392, 64, 64},
    {"1×1 skip 14² c128→64", 1568, 64, 128},
    // The same 3×3 convolutions as im2col GEMMs (K = 9·Cin), one chunk of the column budget each.
    {"im2col 3×3 28² c32→32 (1 img)", 784, 32, 288},
    {"im2col 3×3 28² c96→32 (1 img)", 784, 32, 864},
    {"im2col 3×3 14² c64→64 (2 img)", 392, 64, 576},
    {"im2col 3×3 14² c128→64 (1 img)", 196, 64, 1152},
    {"im2col 3×3 7² c64→64 (8 img)", 392, 64, 576},
};

int main(void) {
    openblas_set_num_threads(1);
    omp_set_num_threads(1);
    printf("OpenBLAS core: %s; AVX512_BF16: %s\n", openblas_get_corename(), kac_bf16_cpu_supported() ? "yes" : "no");
    double t0 = now();
    long n32 = own_fp32_peak_probe(20000000);
    double t1 = now();
    double f16 = kac_bf16_dot_probe(20000000);
    double t2 = now();
    double fp32Peak = n32 * 32.0 / (t1 - t0) / 1e9, bf16Peak = f16 / (t2 - t1) / 1e9;
    printf("register peak, 1 thread: fp32 FMA %.0f GFLOP/s, bf16 dot %.0f GFLOP/s (%.2f×)\n", fp32Peak, bf16Peak, bf16Peak / fp32Peak);
    printf("%-26s %5s %4s %4s | %8s %8s %8s | %6s %6s | %s\n", "shape", "M", "N", "K", "fp32", "own bf16", "oneDNN", "own×", "dnnl×", "oneDNN impl");
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
        Shape sh = shapes[s];
        int m = sh.m, n = sh.n, k = sh.k;
        float *a = malloc(sizeof(float) * m * k), *b = malloc(sizeof(float) * k * n);
        float *c32 = malloc(sizeof(float) * m * n), *c16 = malloc(sizeof(float) * m * n), *cd = malloc(sizeof(float) * m * n);
        for (int i = 0; i < m * k; i++) a[i] = (float)rand() / RAND_MAX - 0.5f;
        for (int i = 0; i < k * n; i++) b[i] = ((float)rand() / RAND_MAX - 0.5f) / sqrtf(k);
        uint16_t *packed = malloc(2 * own_bf16_packed_count(k, n));
        uint16_t *scratch = malloc(2 * own_bf16_scratch_count(m, k));
        own_bf16_pack_b(b, n, 0, k, n, packed);
        kac_bf16_matrix *d = kac_bf16_matrix_create(b, n, 0, k, n);
        if (!d) { fprintf(stderr, "%s\n", kac_bf16_last_error()); return 1; }
        double flops = 2.0 * m * n * k;
        int reps = (int)(2e9 / flops) + 1;
        double best[3] = {1e9, 1e9, 1e9};
        for (int round = 0; round < 5; round++) {
            double t = now();
            for (int r = 0; r < reps; r++) cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1, a, k, b, n, 0, c32, n);
            double u = now();
            for (int r = 0; r < reps; r++) own_bf16_gemm(m, n, k, 1, a, k, packed, c16, n, scratch);
            double v = now();
            for (int r = 0; r < reps; r++) kac_bf16_matmul(d, m, 1, a, k, cd, n);
            double w = now();
            if (u - t < best[0]) best[0] = u - t;
            if (v - u < best[1]) best[1] = v - u;
            if (w - v < best[2]) best[2] = w - v;
        }
        double e16 = 0, ed = 0, norm = 0;
        for (int i = 0; i < m * n; i++) {
            e16 = fmax(e16, fabs(c16[i] - c32[i]));
            ed = fmax(ed, fabs(cd[i] - c32[i]));
            norm = fmax(norm, fabs(c32[i]));
        }
        double g[3];
        for (int i = 0; i < 3; i++) g[i] = flops * reps / best[i] / 1e9;
        printf("%-26s %5d %4d %4d | %8.1f %8.1f %8.1f | %6.2f %6.2f | %s (max rel err own %.1e, dnnl %.1e)\n", sh.what, m, n, k,
               g[0], g[1], g[2], g[1] / g[0], g[2] / g[0], kac_bf16_matrix_implementation(d), e16 / norm, ed / norm);
        free(a); free(b); free(c32); free(c16); free(cd); free(packed); free(scratch);
        kac_bf16_matrix_destroy(d);
    }
    printf("(GFLOP/s, best of 5 rounds of ~2 GFLOP each; own× and dnnl× are speed-ups over fp32 OpenBLAS)\n");
    return 0;
}
