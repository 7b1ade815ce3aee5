// bf16 matrix products for inference through oneDNN (libdnnl, Debian's libdnnl-dev): weights are
// converted once into a `kac_bf16_matrix` (bf16, in the layout oneDNN's matmul primitive prefers),
// activations are rounded to bf16 at each call, products are summed in fp32 and written as fp32.
// oneDNN picks its kernel at run time (AMX on CPUs that have it, else AVX512_BF16), so the build
// works on any x86-64 CPU; callers ask `kac_bf16_cpu_supported()` before using anything else here.
// Invariant: every call runs on the calling thread only (oneDNN's OpenMP threading is held at 1);
// callers split work between threads themselves, as they do for OpenBLAS.
#ifndef KAC_BF16_H
#define KAC_BF16_H
#include <stddef.h>

/// 1 when the CPU and the OS support AVX-512F and AVX512_BF16 (cpuid + xgetbv), else 0.
int kac_bf16_cpu_supported(void);
/// 1 when the CPU has AMX-BF16 tiles (cpuid; oneDNN asks Linux for the tile state itself).
int kac_bf16_cpu_has_amx(void);
/// 1 when this process may make written memory executable (mmap read-write, then mprotect
/// read-execute), which oneDNN's run-time code generation needs; 0 when a policy refuses it
/// (systemd's MemoryDenyWriteExecute=yes, prctl PR_SET_MDWE, SELinux execmem).
int kac_jit_memory_allowed(void);
/// 1 when oneDNN builds and runs a small bf16 product here, else 0 (message in kac_bf16_last_error).
/// Call only where kac_bf16_cpu_supported().
int kac_bf16_runtime_probe(void);

typedef struct kac_bf16_matrix kac_bf16_matrix;

/// B as bf16 for products A[m×k]·B[k×n]: B is k×n row-major with row stride ldb, or, when
/// `transposed`, n×k with row stride ldb. NULL when oneDNN refuses (message in kac_bf16_last_error).
kac_bf16_matrix *kac_bf16_matrix_create(const float *b, long ldb, int transposed, long k, long n);
void kac_bf16_matrix_destroy(kac_bf16_matrix *matrix);
/// The oneDNN implementation the matrix's products run on (e.g. "brg:avx512_core_amx_bf16").
const char *kac_bf16_matrix_implementation(const kac_bf16_matrix *matrix);

/// Bytes the matrix holds: its bf16 copy and every per-shape layout made so far.
size_t kac_bf16_matrix_bytes(kac_bf16_matrix *matrix);

/// C[m×n] (row stride ldc) = (alpha·A)[m×k] (fp32, row stride lda, rounded to bf16) · B. Safe to
/// call from several threads at once; the first call for a given m prepares a primitive for it.
/// Returns 0, or -1 when oneDNN failed (message in kac_bf16_last_error).
int kac_bf16_matmul(kac_bf16_matrix *matrix, long m, float alpha, const float *a, long lda, float *c, long ldc);

typedef struct kac_bf16_conv kac_bf16_conv;

/// A convolution for inference: weights [k][k][Cin][Cout] fp32 (rounded to bf16 once), bias [Cout]
/// (copied, kept fp32), square kernel, the same stride and zero padding in both directions. NULL
/// when oneDNN refuses (message in kac_bf16_last_error).
kac_bf16_conv *kac_bf16_conv_create(
    const float *weight, const float *bias, long cin, long cout, long kernel, long stride, long padding);
void kac_bf16_conv_destroy(kac_bf16_conv *conv);
/// The oneDNN implementation the last prepared shape runs on (e.g. "brg:avx512_core_amx").
const char *kac_bf16_conv_implementation(const kac_bf16_conv *conv);

/// Bytes the convolution holds: its bf16 weights, bias and every per-shape layout made so far.
size_t kac_bf16_conv_bytes(kac_bf16_conv *conv);

/// output [n][Ho][Wo][Cout] (fp32) = conv(input [n][h][w][Cin] fp32, rounded to bf16) + bias. Safe to
/// call from several threads at once; the first call for a given (n, h, w) prepares a primitive.
/// Returns 0, or -1 when oneDNN failed (message in kac_bf16_last_error).
int kac_bf16_conv_forward(kac_bf16_conv *conv, long n, long h, long w, const float *input, float *output);

/// kac_bf16_conv_forward of x·scale + shift (then SiLU when `silu` is nonzero), scale and shift
/// [n][Cin] (a group norm's per-image, per-channel map): the normalised input goes straight to bf16
/// through kac_scale_shift_rows_bf16 (kac_vector.h: the map bit for bit, SiLU to bf16's precision).
int kac_bf16_conv_forward_affine(kac_bf16_conv *conv, long n, long h, long w, const float *input, const float *scale,
                                 const float *shift, int silu, float *output);

typedef struct kac_bf16_batched kac_bf16_batched;

/// `batch` matrices B_e [k×n] (fp32, [batch][k][n] row-major, rounded to bf16 once) for batched
/// products C_e = A_e·B_e. NULL when oneDNN refuses (message in kac_bf16_last_error).
kac_bf16_batched *kac_bf16_batched_create(const float *b, long batch, long k, long n);
void kac_bf16_batched_destroy(kac_bf16_batched *matrices);
/// The oneDNN implementation the last prepared row count runs on (e.g. "brg:avx512_core_bf16").
const char *kac_bf16_batched_implementation(const kac_bf16_batched *matrices);
/// Bytes held: the bf16 copy and every per-shape layout made so far.
size_t kac_bf16_batched_bytes(kac_bf16_batched *matrices);
/// C [batch][m][n] (fp32, dense) = A [batch][m][k] (bf16, dense) · B, each entry on its own. Safe to
/// call from several threads at once; the first call for a given m prepares a primitive for it.
/// Returns 0, or -1 when oneDNN failed (message in kac_bf16_last_error).
int kac_bf16_batched_matmul(kac_bf16_batched *matrices, long m, const unsigned short *a, float *c);

/// Winograd F(2×2, 3×3) input transform: v [16][T][c] (bf16) = Bᵀ·d·B for the T = images·⌈h/2⌉·⌈w/2⌉
/// 4×4 tiles d of input [images][h][w][c] (fp32, zero padding 1), computed in fp32 and rounded once.
/// Needs AVX512_BF16.
void kac_winograd_input_bf16(const float *input, long images, long h, long w, long c, unsigned short *v);
/// Winograd F(2×2, 3×3) output transform: output [images][h][w][c] = Aᵀ·m·A + bias for the tiles of
/// m [16][T][c] (fp32); outputs past the image's edge (odd h or w) are dropped. Needs AVX-512F.
void kac_winograd_output(const float *m, long images, long h, long w, long c, const float *bias, float *output);

/// The last failure's message on this thread ("" when none).
const char *kac_bf16_last_error(void);

/// Registers-only probe of the bf16 dot-product rate: runs `iterations` rounds of 24 independent
/// vdpbf16ps and returns the fp32 FLOPs done (64 per instruction). Needs AVX512_BF16.
double kac_bf16_dot_probe(long iterations);

#endif
