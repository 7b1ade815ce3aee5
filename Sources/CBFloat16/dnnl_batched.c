// kac_bf16_batched on oneDNN's matmul primitive with a batch dimension: `batch` independent
// products C_e[m×n] = A_e[m×k]·B_e[k×n] in one call, B rounded to bf16 once. Winograd's 16
// per-entry products of a convolution are one such call (one oneDNN call instead of 16 keeps the
// per-call overhead small next to products of only 32–64 columns). One primitive per row count m,
// made on first use, with B reordered into the layout it asks for; user-managed scratchpad.
#include "dnnl_shared.h"
#include "kac_bf16.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

struct kac_bf16_batched {
    long batch, k, n;
    /// B as bf16, [batch][k][n] row-major: the source of every layout the primitives ask for.
    dnnl_memory_t plain;
    pthread_mutex_t lock;
    /// By row count m.
    kac_dnnl_entries shapes;
    char implementation[96];
};

kac_bf16_batched *kac_bf16_batched_create(const float *b, long batch, long k, long n) {
    kac_dnnl_clear_error();
    if (!kac_dnnl_engine() || !kac_dnnl_stream()) {
        kac_dnnl_fail("engine or stream creation", dnnl_runtime_error);
        return NULL;
    }
    kac_bf16_batched *matrices = calloc(1, sizeof *matrices);
    if (!matrices) return NULL;
    *matrices = (kac_bf16_batched){.batch = batch, .k = k, .n = n};
    pthread_mutex_init(&matrices->lock, NULL);
    dnnl_memory_t fp32 = NULL;
    dnnl_memory_desc_t fp32_md, plain_md;
    dnnl_dims_t dims = {batch, k, n};
    KAC_DNNL_TRY(dnnl_memory_desc_init_by_tag(&fp32_md, 3, dims, dnnl_f32, dnnl_abc), "fp32 weights descriptor");
    KAC_DNNL_TRY(dnnl_memory_desc_init_by_tag(&plain_md, 3, dims, dnnl_bf16, dnnl_abc), "bf16 weights descriptor");
    KAC_DNNL_TRY(dnnl_memory_create(&fp32, &fp32_md, kac_dnnl_engine(), (void *)b), "fp32 weights memory");
    KAC_DNNL_TRY(dnnl_memory_create(&matrices->plain, &plain_md, kac_dnnl_engine(), DNNL_MEMORY_ALLOCATE),
                 "bf16 weights memory");
    KAC_DNNL_TRY(kac_dnnl_reorder(fp32, matrices->plain), "fp32 → bf16 weights reorder");
    dnnl_memory_destroy(fp32);
    return matrices;
failed:
    if (fp32) dnnl_memory_destroy(fp32);
    kac_bf16_batched_destroy(matrices);
    return NULL;
}

void kac_bf16_batched_destroy(kac_bf16_batched *matrices) {
    if (!matrices) return;
    kac_dnnl_entries_destroy(&matrices->shapes);
    if (matrices->plain) dnnl_memory_destroy(matrices->plain);
    pthread_mutex_destroy(&matrices->lock);
    free(matrices);
}

const char *kac_bf16_batched_implementation(const kac_bf16_batched *matrices) { return matrices->implementation; }

size_t kac_bf16_batched_bytes(kac_bf16_batched *matrices) {
    pthread_mutex_lock(&matrices->lock);
    size_t bytes = kac_dnnl_memory_bytes(matrices->plain) + kac_dnnl_entries_bytes(&matrices->shapes);
    pthread_mutex_unlock(&matrices->lock);
    return bytes;
}

/// The memory descriptors of one call: bf16 A [batch, m, k], fp32 C [batch, m, n], both dense.
static dnnl_status_t call_descriptors(const kac_bf16_batched *matrices, long m, dnnl_memory_desc_t *src,
                                      dnnl_memory_desc_t *dst) {
    dnnl_dims_t src_dims = {matrices->batch, m, matrices->k}, dst_dims = {matrices->batch, m, matrices->n};
    dnnl_status_t status = dnnl_memory_desc_init_by_tag(src, 3, src_dims, dnnl_bf16, dnnl_abc);
    if (status == dnnl_success) status = dnnl_memory_desc_init_by_tag(dst, 3, dst_dims, dnnl_f32, dnnl_abc);
    return status;
}

/// The primitive for `m` rows, made on first use (the caller holds the lock).
static kac_dnnl_entry *entry_for(kac_bf16_batched *matrices, long m) {
    kac_dnnl_entry *found = kac_dnnl_entries_find(&matrices->shapes, m, 0, 0);
    if (found) return found;
    dnnl_memory_desc_t src, weights_any, dst;
    dnnl_dims_t weight_dims = {matrices->batch, matrices->k, matrices->n};
    KAC_DNNL_TRY(call_descriptors(matrices, m, &src, &dst), "source/destination descriptors");
    KAC_DNNL_TRY(dnnl_memory_desc_init_by_tag(&weights_any, 3, weight_dims, dnnl_bf16, dnnl_format_tag_any),
                 "weights descriptor");
    dnnl_matmul_desc_t desc;
    KAC_DNNL_TRY(dnnl_matmul_desc_init(&desc, &src, &weights_any, NULL, &dst), "batched matmul descriptor");
    return kac_dnnl_entries_add(&matrices->shapes, m, 0, 0, &desc, matrices->plain, matrices->implementation,
                                sizeof matrices->implementation);
failed:
    return NULL;
}

int kac_bf16_batched_matmul(kac_bf16_batched *matrices, long m, const unsigned short *a, float *c) {
    if (m <= 0) return 0;
    pthread_mutex_lock(&matrices->lock);
    kac_dnnl_entry *found = entry_for(matrices, m);
    kac_dnnl_entry entry = found ? *found : (kac_dnnl_entry){0};
    pthread_mutex_unlock(&matrices->lock);
    if (!found) return -1;
    char *scratch = kac_dnnl_buffer(entry.scratchpad_bytes ? entry.scratchpad_bytes : 64);
    if (!scratch) return kac_dnnl_fail("scratch allocation", dnnl_out_of_memory);
    dnnl_memory_desc_t src_md, dst_md;
    if (call_descriptors(matrices, m, &src_md, &dst_md) != dnnl_success)
        return kac_dnnl_fail("source/destination descriptors", dnnl_runtime_error);
    return kac_dnnl_execute(&entry, &src_md, (void *)a, NULL, &dst_md, c, scratch, "batched matmul");
}
