// The plumbing both oneDNN wrappers share (see dnnl_shared.h).
#include "dnnl_shared.h"
#include "kac_bf16.h"
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

// libgomp (oneDNN's threading runtime, linked by the package): one thread per call, ours.
extern void omp_set_num_threads(int);

static _Thread_local char last_error[256];
static _Thread_local dnnl_stream_t thread_stream;
static _Thread_local void *thread_buffer;
static _Thread_local size_t thread_buffer_bytes;
static dnnl_engine_t shared_engine;
static pthread_once_t engine_once = PTHREAD_ONCE_INIT;

const char *kac_bf16_last_error(void) { return last_error; }

void kac_dnnl_clear_error(void) { last_error[0] = 0; }

int kac_dnnl_fail(const char *what, dnnl_status_t status) {
    snprintf(last_error, sizeof last_error, "oneDNN %s failed (status %d)", what, (int)status);
    return -1;
}

static void make_engine(void) {
    if (dnnl_engine_create(&shared_engine, dnnl_cpu, 0) != dnnl_success) shared_engine = NULL;
}

dnnl_engine_t kac_dnnl_engine(void) {
    pthread_once(&engine_once, make_engine);
    return shared_engine;
}

dnnl_stream_t kac_dnnl_stream(void) {
    if (!thread_stream) {
        omp_set_num_threads(1);
        if (dnnl_stream_create(&thread_stream, kac_dnnl_engine(), dnnl_stream_default_flags) != dnnl_success)
            thread_stream = NULL;
    }
    return thread_stream;
}

void *kac_dnnl_buffer(size_t bytes) {
    if (bytes > thread_buffer_bytes) {
        free(thread_buffer);
        thread_buffer_bytes = (bytes + 4095) & ~(size_t)4095;
        thread_buffer = aligned_alloc(64, thread_buffer_bytes);
        if (!thread_buffer) thread_buffer_bytes = 0;
    }
    return thread_buffer;
}

size_t kac_dnnl_memory_bytes(dnnl_memory_t memory) {
    if (!memory) return 0;
    const dnnl_memory_desc_t *md;
    if (dnnl_memory_get_memory_desc(memory, &md) != dnnl_success) return 0;
    return dnnl_memory_desc_get_size(md);
}

dnnl_status_t kac_dnnl_reorder(dnnl_memory_t from, dnnl_memory_t to) {
    const dnnl_memory_desc_t *source, *target;
    dnnl_memory_get_memory_desc(from, &source);
    dnnl_memory_get_memory_desc(to, &target);
    dnnl_primitive_desc_t pd = NULL;
    dnnl_primitive_t primitive = NULL;
    dnnl_engine_t engine = kac_dnnl_engine();
    dnnl_status_t status = dnnl_reorder_primitive_desc_create(&pd, source, engine, target, engine, NULL);
    if (status == dnnl_success) status = dnnl_primitive_create(&primitive, pd);
    dnnl_exec_arg_t args[2] = {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}};
    if (status == dnnl_success) status = dnnl_primitive_execute(primitive, kac_dnnl_stream(), 2, args);
    if (status == dnnl_success) status = dnnl_stream_wait(kac_dnnl_stream());
    if (primitive) dnnl_primitive_destroy(primitive);
    if (pd) dnnl_primitive_desc_destroy(pd);
    return status;
}

kac_dnnl_entry *kac_dnnl_entries_find(kac_dnnl_entries *entries, long a, long b, long c) {
    for (int i = 0; i < entries->count; i++) {
        const long *key = entries->entries[i].key;
        if (key[0] == a && key[1] == b && key[2] == c) return &entries->entries[i];
    }
    return NULL;
}

kac_dnnl_entry *kac_dnnl_entries_add(
    kac_dnnl_entries *entries, long a, long b, long c, const_dnnl_op_desc_t desc, dnnl_memory_t plain,
    char *implementation, size_t implementation_size
) {
    if (entries->count == entries->capacity) {
        int capacity = entries->capacity ? 2 * entries->capacity : 4;
        kac_dnnl_entry *grown = realloc(entries->entries, capacity * sizeof *grown);
        if (!grown) { kac_dnnl_fail("primitive cache growth", dnnl_out_of_memory); return NULL; }
        entries->entries = grown;
        entries->capacity = capacity;
    }
    kac_dnnl_entry entry = {.key = {a, b, c}};
    dnnl_primitive_desc_t pd = NULL;
    dnnl_primitive_attr_t attr = NULL;
    KAC_DNNL_TRY(dnnl_primitive_attr_create(&attr), "attributes");
    KAC_DNNL_TRY(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user), "scratchpad mode");
    KAC_DNNL_TRY(dnnl_primitive_desc_create(&pd, desc, attr, kac_dnnl_engine(), NULL), "primitive descriptor");
    const char *name = "";
    dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &name);
    snprintf(implementation, implementation_size, "%s", name);
    entry.scratchpad_bytes = dnnl_memory_desc_get_size(dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0));
    KAC_DNNL_TRY(dnnl_primitive_create(&entry.primitive, pd), "primitive");
    KAC_DNNL_TRY(dnnl_memory_create(&entry.weights, dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0),
                                    kac_dnnl_engine(), DNNL_MEMORY_ALLOCATE), "weights memory");
    KAC_DNNL_TRY(kac_dnnl_reorder(plain, entry.weights), "weights reorder");
    dnnl_primitive_desc_destroy(pd);
    dnnl_primitive_attr_destroy(attr);
    entries->entries[entries->count] = entry;
    return &entries->entries[entries->count++];
failed:
    if (entry.primitive) dnnl_primitive_destroy(entry.primitive);
    if (entry.weights) dnnl_memory_destroy(entry.weights);
    if (pd) dnnl_primitive_desc_destroy(pd);
    if (attr) dnnl_primitive_attr_destroy(attr);
    return NULL;
}

size_t kac_dnnl_entries_bytes(const kac_dnnl_entries *entries) {
    size_t bytes = 0;
    for (int i = 0; i < entries->count; i++) bytes += kac_dnnl_memory_bytes(entries->entries[i].weights);
    return bytes;
}

void kac_dnnl_entries_destroy(kac_dnnl_entries *entries) {
    for (int i = 0; i < entries->count; i++) {
        dnnl_primitive_destroy(entries->entries[i].primitive);
        dnnl_memory_destroy(entries->entries[i].weights);
    }
    free(entries->entries);
    *entries = (kac_dnnl_entries){0};
}

int kac_dnnl_execute(
    const kac_dnnl_entry *entry, const dnnl_memory_desc_t *source_md, void *source, dnnl_memory_t bias,
    const dnnl_memory_desc_t *destination_md, void *destination, void *scratchpad, const char *what
) {
    dnnl_stream_t stream = kac_dnnl_stream();
    if (!stream) return kac_dnnl_fail("stream creation", dnnl_runtime_error);
    dnnl_memory_desc_t pad_md;
    dnnl_dims_t pad_dims = {(dnnl_dim_t)(entry->scratchpad_bytes ? entry->scratchpad_bytes : 1)};
    dnnl_memory_t src = NULL, dst = NULL, pad = NULL;
    int result = -1;
    KAC_DNNL_TRY(dnnl_memory_desc_init_by_tag(&pad_md, 1, pad_dims, dnnl_u8, dnnl_a), "scratchpad descriptor");
    KAC_DNNL_TRY(dnnl_memory_create(&src, source_md, kac_dnnl_engine(), source), "source memory");
    KAC_DNNL_TRY(dnnl_memory_create(&dst, destination_md, kac_dnnl_engine(), destination), "destination memory");
    KAC_DNNL_TRY(dnnl_memory_create(&pad, &pad_md, kac_dnnl_engine(), scratchpad), "scratchpad memory");
    dnnl_exec_arg_t args[5] = {
        {DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, entry->weights}, {DNNL_ARG_DST, dst}, {DNNL_ARG_SCRATCHPAD, pad},
        {DNNL_ARG_BIAS, bias}};
    KAC_DNNL_TRY(dnnl_primitive_execute(entry->primitive, stream, bias ? 5 : 4, args), what);
    KAC_DNNL_TRY(dnnl_stream_wait(stream), "stream wait");
    result = 0;
failed:
    if (src) dnnl_memory_destroy(src);
    if (dst) dnnl_memory_destroy(dst);
    if (pad) dnnl_memory_destroy(pad);
    return result;
}

__attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))
void kac_dnnl_round_rows(long m, long k, float alpha, const float *a, long lda, unsigned short *out) {
    __m512 scale = _mm512_set1_ps(alpha);
    for (long i = 0; i < m; i++) {
        const float *source = a + i * lda;
        unsigned short *target = out + i * k;
        long j = 0;
        for (; j + 16 <= k; j += 16) {
            __m256bh v = _mm512_cvtneps_pbh(_mm512_mul_ps(_mm512_loadu_ps(source + j), scale));
            _mm256_storeu_si256((__m256i *)(target + j), (__m256i)v);
        }
        if (j < k) {
            __mmask16 mask = (__mmask16)((1u << (k - j)) - 1);
            __m256bh v = _mm512_cvtneps_pbh(_mm512_mul_ps(_mm512_maskz_loadu_ps(mask, source + j), scale));
            _mm256_mask_storeu_epi16(target + j, mask, (__m256i)v);
        }
    }
}
