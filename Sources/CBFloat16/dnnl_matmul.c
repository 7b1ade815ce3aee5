// kac_bf16_matrix on oneDNN's matmul primitive: B rounded to bf16 once, then one primitive per
// shape (rows M, output row stride; made on first use, with B reordered into the layout it asks
// for: with M or the stride left to run time oneDNN 2.6 falls back from its AMX kernel to gemm:jit),
// user-managed scratchpad in the thread's buffer after the bf16 activations (dnnl_shared.h).
#include "dnnl_shared.h"
#include "kac_bf16.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

struct kac_bf16_matrix {
    long k, n;
    /// B rounded to bf16 once, row-major k×n: the source of every layout the primitives ask for.
    dnnl_memory_t plain;
    pthread_mutex_t lock;
    /// By (rows M, output row stride).
    kac_dnnl_entries shapes;
    char implementation[96];
};

kac_bf16_matrix *kac_bf16_matrix_create(const float *b, long ldb, int transposed, long k, long n) {
    kac_dnnl_clear_error();
    if (!kac_dnnl_engine() || !kac_dnnl_stream()) { kac_dnnl_fail("engine or stream creation", dnnl_runtime_error); return NULL; }
    kac_bf16_matrix *matrix = calloc(1, sizeof *matrix);
    if (!matrix) return NULL;
    matrix->k = k;
    matrix->n = n;
    pthread_mutex_init(&matrix->lock, NULL);
    dnnl_memory_t fp32 = NULL;
    dnnl_memory_desc_t fp32_md, plain_md;
    dnnl_dims_t dims = {k, n}, strides = {transposed ? 1 : ldb, transposed ? ldb : 1};
    KAC_DNNL_TRY(dnnl_memory_desc_init_by_strides(&fp32_md, 2, dims, dnnl_f32, strides), "fp32 weights descriptor");
    KAC_DNNL_TRY(dnnl_memory_desc_init_by_tag(&plain_md, 2, dims, dnnl_bf16, dnnl_ab), "bf16 weights descriptor");
    KAC_DNNL_TRY(dnnl_memory_create(&fp32, &fp32_md, kac_dnnl_engine(), (void *)b), "fp32 weights memory");
    KAC_DNNL_TRY(dnnl_memory_create(&matrix->plain, &plain_md, kac_dnnl_engine(), DNNL_MEMORY_ALLOCATE), "bf16 weights memory");
    KAC_DNNL_TRY(kac_dnnl_reorder(fp32, matrix->plain), "fp32 → bf16 weights reorder");
    dnnl_memory_destroy(fp32);
    return matrix;
failed:
    if (fp32) dnnl_memory_destroy(fp32);
    kac_bf16_matrix_destroy(matrix);
    return NULL;
}

void kac_bf16_matrix_destroy(kac_bf16_matrix *matrix) {
    if (!matrix) return;
    kac_dnnl_entries_destroy(&matrix->shapes);
    if (matrix->plain) dnnl_memory_destroy(matrix->plain);
    pthread_mutex_destroy(&matrix->lock);
    free(matrix);
}

const char *kac_bf16_matrix_implementation(const kac_bf16_matrix *matrix) { return matrix->implementation; }

size_t kac_bf16_matrix_bytes(kac_bf16_matrix *matrix) {
    pthread_mutex_lock(&matrix->lock);
    size_t bytes = kac_dnnl_memory_bytes(matrix->plain) + kac_dnnl_entries_bytes(&matrix->shapes);
    pthread_mutex_unlock(&matrix->lock);
    return bytes;
}

/// The memory descriptors of one call: bf16 A [m, k], fp32 C [m, n] with row stride ldc.
static dnnl_status_t call_descriptors(
    const kac_bf16_matrix *matrix, long m, long ldc, dnnl_memory_desc_t *src, dnnl_memory_desc_t *dst
) {
    dnnl_dims_t src_dims = {m, matrix->k}, dst_dims = {m, matrix->n}, dst_strides = {ldc, 1};
    dnnl_status_t status = dnnl_memory_desc_init_by_tag(src, 2, src_dims, dnnl_bf16, dnnl_ab);
    if (status == dnnl_success) status = dnnl_memory_desc_init_by_strides(dst, 2, dst_dims, dnnl_f32, dst_strides);
    return status;
}

/// The primitive for `m` rows written `ldc` apart, made on first use (the caller holds the lock).
static kac_dnnl_entry *entry_for(kac_bf16_matrix *matrix, long m, long ldc) {
    kac_dnnl_entry *found = kac_dnnl_entries_find(&matrix->shapes, m, ldc, 0);
    if (found) return found;
    dnnl_memory_desc_t src, weights_any, dst;
    dnnl_dims_t weight_dims = {matrix->k, matrix->n};
    KAC_DNNL_TRY(call_descriptors(matrix, m, ldc, &src, &dst), "source/destination descriptors");
    KAC_DNNL_TRY(dnnl_memory_desc_init_by_tag(&weights_any, 2, weight_dims, dnnl_bf16, dnnl_format_tag_any), "weights descriptor");
    dnnl_matmul_desc_t desc;
    KAC_DNNL_TRY(dnnl_matmul_desc_init(&desc, &src, &weights_any, NULL, &dst), "matmul descriptor");
    return kac_dnnl_entries_add(
        &matrix->shapes, m, ldc, 0, &desc, matrix->plain, matrix->implementation, sizeof matrix->implementation);
failed:
    return NULL;
}

int kac_bf16_matmul(kac_bf16_matrix *matrix, long m, float alpha, const float *a, long lda, float *c, long ldc) {
    if (m <= 0) return 0;
    pthread_mutex_lock(&matrix->lock);
    kac_dnnl_entry *found = entry_for(matrix, m, ldc);
    kac_dnnl_entry entry = found ? *found : (kac_dnnl_entry){0};
    pthread_mutex_unlock(&matrix->lock);
    if (!found) return -1;
    size_t source_bytes = ((size_t)m * matrix->k * 2 + 63) & ~(size_t)63;
    char *scratch = kac_dnnl_buffer(source_bytes + entry.scratchpad_bytes);
    if (!scratch) return kac_dnnl_fail("scratch allocation", dnnl_out_of_memory);
    kac_dnnl_round_rows(m, matrix->k, alpha, a, lda, (unsigned short *)scratch);
    dnnl_memory_desc_t src_md, dst_md;
    if (call_descriptors(matrix, m, ldc, &src_md, &dst_md) != dnnl_success)
        return kac_dnnl_fail("source/destination descriptors", dnnl_runtime_error);
    return kac_dnnl_execute(&entry, &src_md, scratch, NULL, &dst_md, c, scratch + source_bytes, "matmul");
}
