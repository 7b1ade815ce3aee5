// kac_bf16_matrix on oneDNN's matmul primitive: B rounded to bf16 once, then one primitive per
// shape (rows M, output row stride; made on first use, with B reordered into the layout it asks
// for: with M or the stride left to run time oneDNN 2.6 falls back from its AMX kernel to gemm:jit),
// user-managed scratchpad in the thread's buffer after the bf16 activations (dnnl_shared.h).
#include "dnnl_shared.h"
#include "kac_bf16.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

/// One primitive for one number of rows M and output row stride, with B in the layout that primitive asked for.
typedef struct {
    long m, ldc;
    dnnl_primitive_t primitive;
    dnnl_memory_t weights;
    size_t scratchpad_bytes;
} shape_entry;

struct kac_bf16_matrix {
    long k, n;
    /// B rounded to bf16 once, row-major k×n: the source of every layout the primitives ask for.
    dnnl_memory_t plain;
    pthread_mutex_t lock;
    shape_entry *entries;
    int count, capacity;
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
    for (int i = 0; i < matrix->count; i++) {
        dnnl_primitive_destroy(matrix->entries[i].primitive);
        dnnl_memory_destroy(matrix->entries[i].weights);
    }
    free(matrix->entries);
    if (matrix->plain) dnnl_memory_destroy(matrix->plain);
    pthread_mutex_destroy(&matrix->lock);
    free(matrix);
}

const char *kac_bf16_matrix_implementation(const kac_bf16_matrix *matrix) { return matrix->implementation; }

size_t kac_bf16_matrix_bytes(kac_bf16_matrix *matrix) {
    pthread_mutex_lock(&matrix->lock);
    size_t bytes = kac_dnnl_memory_bytes(matrix->plain);
    for (int i = 0; i < matrix->count; i++) bytes += kac_dnnl_memory_bytes(matrix->entries[i].weights);
    pthread_mutex_unlock(&matrix->lock);
    return bytes;
}

/// The primitive for `m` rows written `ldc` apart, made on first use (the caller holds the lock).
static shape_entry *entry_for(kac_bf16_matrix *matrix, long m, long ldc) {
    for (int i = 0; i < matrix->count; i++)
        if (matrix->entries[i].m == m && matrix->entries[i].ldc == ldc) return &matrix->entries[i];
    if (matrix->count == matrix->capacity) {
        int capacity = matrix->capacity ? 2 * matrix->capacity : 8;
        shape_entry *grown = realloc(matrix->entries, capacity * sizeof *grown);
        if (!grown) { kac_dnnl_fail("primitive cache growth", dnnl_out_of_memory); return NULL; }
        matrix->entries = grown;
        matrix->capacity = capacity;
    }
    shape_entry entry = {.m = m, .ldc = ldc};
    dnnl_primitive_desc_t pd = NULL;
    dnnl_primitive_attr_t attr = NULL;
    dnnl_memory_desc_t src, weights_any, dst;
    dnnl_dims_t src_dims = {m, matrix->k}, weight_dims = {matrix->k, matrix->n}, dst_dims = {m, matrix->n};
    dnnl_dims_t dst_strides = {ldc, 1};
    KAC_DNNL_TRY(dnnl_memory_desc_init_by_tag(&src, 2, src_dims, dnnl_bf16, dnnl_ab), "source descriptor");
    KAC_DNNL_TRY(dnnl_memory_desc_init_by_tag(&weights_any, 2, weight_dims, dnnl_bf16, dnnl_format_tag_any), "weights descriptor");
    KAC_DNNL_TRY(dnnl_memory_desc_init_by_strides(&dst, 2, dst_dims, dnnl_f32, dst_strides), "destination descriptor");
    dnnl_matmul_desc_t desc;
    KAC_DNNL_TRY(dnnl_matmul_desc_init(&desc, &src, &weights_any, NULL, &dst), "matmul descriptor");
    KAC_DNNL_TRY(dnnl_primitive_attr_create(&attr), "attributes");
    KAC_DNNL_TRY(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user), "scratchpad mode");
    KAC_DNNL_TRY(dnnl_primitive_desc_create(&pd, &desc, attr, kac_dnnl_engine(), NULL), "matmul primitive descriptor");
    const char *implementation = "";
    dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &implementation);
    snprintf(matrix->implementation, sizeof matrix->implementation, "%s", implementation);
    entry.scratchpad_bytes = dnnl_memory_desc_get_size(dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0));
    KAC_DNNL_TRY(dnnl_primitive_create(&entry.primitive, pd), "matmul primitive");
    KAC_DNNL_TRY(dnnl_memory_create(&entry.weights, dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0), kac_dnnl_engine(),
                           DNNL_MEMORY_ALLOCATE), "weights memory");
    KAC_DNNL_TRY(kac_dnnl_reorder(matrix->plain, entry.weights), "weights reorder");
    dnnl_primitive_desc_destroy(pd);
    dnnl_primitive_attr_destroy(attr);
    matrix->entries[matrix->count] = entry;
    return &matrix->entries[matrix->count++];
failed:
    if (entry.primitive) dnnl_primitive_destroy(entry.primitive);
    if (entry.weights) dnnl_memory_destroy(entry.weights);
    if (pd) dnnl_primitive_desc_destroy(pd);
    if (attr) dnnl_primitive_attr_destroy(attr);
    return NULL;
}

int kac_bf16_matmul(kac_bf16_matrix *matrix, long m, float alpha, const float *a, long lda, float *c, long ldc) {
    if (m <= 0) return 0;
    dnnl_stream_t s = kac_dnnl_stream();
    if (!s) return kac_dnnl_fail("stream creation", dnnl_runtime_error);
    pthread_mutex_lock(&matrix->lock);
    shape_entry *found = entry_for(matrix, m, ldc);
    shape_entry entry = found ? *found : (shape_entry){0};
    pthread_mutex_unlock(&matrix->lock);
    if (!found) return -1;
    size_t source_bytes = ((size_t)m * matrix->k * 2 + 63) & ~(size_t)63;
    char *scratch = kac_dnnl_buffer(source_bytes + entry.scratchpad_bytes);
    if (!scratch) return kac_dnnl_fail("scratch allocation", dnnl_out_of_memory);
    kac_dnnl_round_rows(m, matrix->k, alpha, a, lda, (unsigned short *)scratch);
    dnnl_memory_desc_t src_md, dst_md, pad_md;
    dnnl_dims_t src_dims = {m, matrix->k}, dst_dims = {m, matrix->n}, dst_strides = {ldc, 1};
    dnnl_dims_t pad_dims = {(dnnl_dim_t)(entry.scratchpad_bytes ? entry.scratchpad_bytes : 1)};
    dnnl_memory_t src = NULL, dst = NULL, pad = NULL;
    int result = -1;
    KAC_DNNL_TRY(dnnl_memory_desc_init_by_tag(&src_md, 2, src_dims, dnnl_bf16, dnnl_ab), "source descriptor");
    KAC_DNNL_TRY(dnnl_memory_desc_init_by_strides(&dst_md, 2, dst_dims, dnnl_f32, dst_strides), "destination descriptor");
    KAC_DNNL_TRY(dnnl_memory_desc_init_by_tag(&pad_md, 1, pad_dims, dnnl_u8, dnnl_a), "scratchpad descriptor");
    KAC_DNNL_TRY(dnnl_memory_create(&src, &src_md, kac_dnnl_engine(), scratch), "source memory");
    KAC_DNNL_TRY(dnnl_memory_create(&dst, &dst_md, kac_dnnl_engine(), c), "destination memory");
    KAC_DNNL_TRY(dnnl_memory_create(&pad, &pad_md, kac_dnnl_engine(), scratch + source_bytes), "scratchpad memory");
    dnnl_exec_arg_t args[4] = {
        {DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, entry.weights}, {DNNL_ARG_DST, dst}, {DNNL_ARG_SCRATCHPAD, pad}};
    KAC_DNNL_TRY(dnnl_primitive_execute(entry.primitive, s, 4, args), "matmul");
    KAC_DNNL_TRY(dnnl_stream_wait(s), "stream wait");
    result = 0;
failed:
    if (src) dnnl_memory_destroy(src);
    if (dst) dnnl_memory_destroy(dst);
    if (pad) dnnl_memory_destroy(pad);
    return result;
}
