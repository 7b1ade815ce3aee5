// kac_bf16_matrix on oneDNN's matmul primitive: B rounded to bf16 once, then one primitive per
// shape (rows M, output row stride; made on first use, with B reordered into the layout it asks
// for: with M or the stride left to run time oneDNN 2.6 falls back from its AMX kernel to gemm:jit), user-
// managed scratchpad, and a stream and scratch buffer (bf16 activations + scratchpad) per thread.
#include "kac_bf16.h"
#include <immintrin.h>
#include <pthread.h>
#include <oneapi/dnnl/dnnl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// libgomp (oneDNN's threading runtime, linked by the package): one thread per call, ours.
extern void omp_set_num_threads(int);

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

static _Thread_local char last_error[256];
static _Thread_local dnnl_stream_t thread_stream;
static _Thread_local void *thread_buffer;
static _Thread_local size_t thread_buffer_bytes;
static dnnl_engine_t shared_engine;
static pthread_once_t engine_once = PTHREAD_ONCE_INIT;

const char *kac_bf16_last_error(void) { return last_error; }

static int fail(const char *what, dnnl_status_t status) {
    snprintf(last_error, sizeof last_error, "oneDNN %s failed (status %d)", what, (int)status);
    return -1;
}

static void make_engine(void) {
    if (dnnl_engine_create(&shared_engine, dnnl_cpu, 0) != dnnl_success) shared_engine = NULL;
}

static dnnl_engine_t engine(void) {
    pthread_once(&engine_once, make_engine);
    return shared_engine;
}

static dnnl_stream_t stream(void) {
    if (!thread_stream) {
        omp_set_num_threads(1);
        if (dnnl_stream_create(&thread_stream, engine(), dnnl_stream_default_flags) != dnnl_success) thread_stream = NULL;
    }
    return thread_stream;
}

/// This thread's scratch of at least `bytes` (64-byte aligned), reused by every call.
static void *buffer(size_t bytes) {
    if (bytes > thread_buffer_bytes) {
        free(thread_buffer);
        thread_buffer_bytes = (bytes + 4095) & ~(size_t)4095;
        thread_buffer = aligned_alloc(64, thread_buffer_bytes);
        if (!thread_buffer) thread_buffer_bytes = 0;
    }
    return thread_buffer;
}

#define TRY(call, what)                                            \
    do {                                                           \
        dnnl_status_t status_ = (call);                            \
        if (status_ != dnnl_success) { fail(what, status_); goto failed; } \
    } while (0)

/// Runs a reorder from `from` to `to` on this thread's stream.
static dnnl_status_t reorder(dnnl_memory_t from, dnnl_memory_t to) {
    const dnnl_memory_desc_t *source, *target;
    dnnl_memory_get_memory_desc(from, &source);
    dnnl_memory_get_memory_desc(to, &target);
    dnnl_primitive_desc_t pd = NULL;
    dnnl_primitive_t primitive = NULL;
    dnnl_status_t status = dnnl_reorder_primitive_desc_create(&pd, source, engine(), target, engine(), NULL);
    if (status == dnnl_success) status = dnnl_primitive_create(&primitive, pd);
    dnnl_exec_arg_t args[2] = {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}};
    if (status == dnnl_success) status = dnnl_primitive_execute(primitive, stream(), 2, args);
    if (status == dnnl_success) status = dnnl_stream_wait(stream());
    if (primitive) dnnl_primitive_destroy(primitive);
    if (pd) dnnl_primitive_desc_destroy(pd);
    return status;
}

kac_bf16_matrix *kac_bf16_matrix_create(const float *b, long ldb, int transposed, long k, long n) {
    last_error[0] = 0;
    if (!engine() || !stream()) { fail("engine or stream creation", dnnl_runtime_error); return NULL; }
    kac_bf16_matrix *matrix = calloc(1, sizeof *matrix);
    if (!matrix) return NULL;
    matrix->k = k;
    matrix->n = n;
    pthread_mutex_init(&matrix->lock, NULL);
    dnnl_memory_t fp32 = NULL;
    dnnl_memory_desc_t fp32_md, plain_md;
    dnnl_dims_t dims = {k, n}, strides = {transposed ? 1 : ldb, transposed ? ldb : 1};
    TRY(dnnl_memory_desc_init_by_strides(&fp32_md, 2, dims, dnnl_f32, strides), "fp32 weights descriptor");
    TRY(dnnl_memory_desc_init_by_tag(&plain_md, 2, dims, dnnl_bf16, dnnl_ab), "bf16 weights descriptor");
    TRY(dnnl_memory_create(&fp32, &fp32_md, engine(), (void *)b), "fp32 weights memory");
    TRY(dnnl_memory_create(&matrix->plain, &plain_md, engine(), DNNL_MEMORY_ALLOCATE), "bf16 weights memory");
    TRY(reorder(fp32, matrix->plain), "fp32 → bf16 weights reorder");
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

/// The primitive for `m` rows written `ldc` apart, made on first use (the caller holds the lock).
static shape_entry *entry_for(kac_bf16_matrix *matrix, long m, long ldc) {
    for (int i = 0; i < matrix->count; i++)
        if (matrix->entries[i].m == m && matrix->entries[i].ldc == ldc) return &matrix->entries[i];
    if (matrix->count == matrix->capacity) {
        int capacity = matrix->capacity ? 2 * matrix->capacity : 8;
        shape_entry *grown = realloc(matrix->entries, capacity * sizeof *grown);
        if (!grown) { fail("primitive cache growth", dnnl_out_of_memory); return NULL; }
        matrix->entries = grown;
        matrix->capacity = capacity;
    }
    shape_entry entry = {.m = m, .ldc = ldc};
    dnnl_primitive_desc_t pd = NULL;
    dnnl_primitive_attr_t attr = NULL;
    dnnl_memory_desc_t src, weights_any, dst;
    dnnl_dims_t src_dims = {m, matrix->k}, weight_dims = {matrix->k, matrix->n}, dst_dims = {m, matrix->n};
    dnnl_dims_t dst_strides = {ldc, 1};
    TRY(dnnl_memory_desc_init_by_tag(&src, 2, src_dims, dnnl_bf16, dnnl_ab), "source descriptor");
    TRY(dnnl_memory_desc_init_by_tag(&weights_any, 2, weight_dims, dnnl_bf16, dnnl_format_tag_any), "weights descriptor");
    TRY(dnnl_memory_desc_init_by_strides(&dst, 2, dst_dims, dnnl_f32, dst_strides), "destination descriptor");
    dnnl_matmul_desc_t desc;
    TRY(dnnl_matmul_desc_init(&desc, &src, &weights_any, NULL, &dst), "matmul descriptor");
    TRY(dnnl_primitive_attr_create(&attr), "attributes");
    TRY(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user), "scratchpad mode");
    TRY(dnnl_primitive_desc_create(&pd, &desc, attr, engine(), NULL), "matmul primitive descriptor");
    const char *implementation = "";
    dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &implementation);
    snprintf(matrix->implementation, sizeof matrix->implementation, "%s", implementation);
    entry.scratchpad_bytes = dnnl_memory_desc_get_size(dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0));
    TRY(dnnl_primitive_create(&entry.primitive, pd), "matmul primitive");
    TRY(dnnl_memory_create(&entry.weights, dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0), engine(),
                           DNNL_MEMORY_ALLOCATE), "weights memory");
    TRY(reorder(matrix->plain, entry.weights), "weights reorder");
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

/// (alpha·A) rows to bf16, contiguous [m][k], rounding to nearest even (vcvtneps2bf16).
__attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))
static void convert_rows(long m, long k, float alpha, const float *a, long lda, unsigned short *out) {
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

int kac_bf16_matmul(kac_bf16_matrix *matrix, long m, float alpha, const float *a, long lda, float *c, long ldc) {
    if (m <= 0) return 0;
    dnnl_stream_t s = stream();
    if (!s) return fail("stream creation", dnnl_runtime_error);
    pthread_mutex_lock(&matrix->lock);
    shape_entry *found = entry_for(matrix, m, ldc);
    shape_entry entry = found ? *found : (shape_entry){0};
    pthread_mutex_unlock(&matrix->lock);
    if (!found) return -1;
    size_t source_bytes = ((size_t)m * matrix->k * 2 + 63) & ~(size_t)63;
    char *scratch = buffer(source_bytes + entry.scratchpad_bytes);
    if (!scratch) return fail("scratch allocation", dnnl_out_of_memory);
    convert_rows(m, matrix->k, alpha, a, lda, (unsigned short *)scratch);
    dnnl_memory_desc_t src_md, dst_md, pad_md;
    dnnl_dims_t src_dims = {m, matrix->k}, dst_dims = {m, matrix->n}, dst_strides = {ldc, 1};
    dnnl_dims_t pad_dims = {(dnnl_dim_t)(entry.scratchpad_bytes ? entry.scratchpad_bytes : 1)};
    dnnl_memory_t src = NULL, dst = NULL, pad = NULL;
    int result = -1;
    TRY(dnnl_memory_desc_init_by_tag(&src_md, 2, src_dims, dnnl_bf16, dnnl_ab), "source descriptor");
    TRY(dnnl_memory_desc_init_by_strides(&dst_md, 2, dst_dims, dnnl_f32, dst_strides), "destination descriptor");
    TRY(dnnl_memory_desc_init_by_tag(&pad_md, 1, pad_dims, dnnl_u8, dnnl_a), "scratchpad descriptor");
    TRY(dnnl_memory_create(&src, &src_md, engine(), scratch), "source memory");
    TRY(dnnl_memory_create(&dst, &dst_md, engine(), c), "destination memory");
    TRY(dnnl_memory_create(&pad, &pad_md, engine(), scratch + source_bytes), "scratchpad memory");
    dnnl_exec_arg_t args[4] = {
        {DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, entry.weights}, {DNNL_ARG_DST, dst}, {DNNL_ARG_SCRATCHPAD, pad}};
    TRY(dnnl_primitive_execute(entry.primitive, s, 4, args), "matmul");
    TRY(dnnl_stream_wait(s), "stream wait");
    result = 0;
failed:
    if (src) dnnl_memory_destroy(src);
    if (dst) dnnl_memory_destroy(dst);
    if (pad) dnnl_memory_destroy(pad);
    return result;
}
