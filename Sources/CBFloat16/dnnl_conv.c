// kac_bf16_conv on oneDNN's convolution primitive: the weights rounded to bf16 once, the bias kept
// in fp32, then one primitive per input shape (N, H, W; made on first use, with the weights
// reordered into the layout it asks for). Each call rounds the NHWC input to bf16 once (1×, where
// im2col + matmul rounds k² copies) into the thread's buffer, followed by the user-managed
// scratchpad; oneDNN adds the bias and writes fp32 NHWC. Every output pixel depends only on its
// own image, and the kernel a primitive runs is fixed by its shape.
#include "dnnl_shared.h"
#include "kac_bf16.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct {
    long n, h, w;
    dnnl_primitive_t primitive;
    dnnl_memory_t weights;
    size_t scratchpad_bytes;
} conv_entry;

struct kac_bf16_conv {
    long cin, cout, kernel, stride, padding;
    /// The weights as bf16 in our layout [kh][kw][Cin][Cout] (oneDNN's hwio).
    dnnl_memory_t plain;
    dnnl_memory_t bias;
    pthread_mutex_t lock;
    conv_entry *entries;
    int count, capacity;
    char implementation[96];
};

kac_bf16_conv *kac_bf16_conv_create(
    const float *weight, const float *bias, long cin, long cout, long kernel, long stride, long padding
) {
    kac_dnnl_clear_error();
    if (!kac_dnnl_engine() || !kac_dnnl_stream()) {
        kac_dnnl_fail("engine or stream creation", dnnl_runtime_error);
        return NULL;
    }
    kac_bf16_conv *conv = calloc(1, sizeof *conv);
    if (!conv) return NULL;
    *conv = (kac_bf16_conv){.cin = cin, .cout = cout, .kernel = kernel, .stride = stride, .padding = padding};
    pthread_mutex_init(&conv->lock, NULL);
    dnnl_memory_t fp32 = NULL, bias_source = NULL;
    dnnl_memory_desc_t fp32_md, plain_md, bias_md;
    dnnl_dims_t dims = {cout, cin, kernel, kernel}, bias_dims = {cout};
    KAC_DNNL_TRY(dnnl_memory_desc_init_by_tag(&fp32_md, 4, dims, dnnl_f32, dnnl_hwio), "fp32 weights descriptor");
    KAC_DNNL_TRY(dnnl_memory_desc_init_by_tag(&plain_md, 4, dims, dnnl_bf16, dnnl_hwio), "bf16 weights descriptor");
    KAC_DNNL_TRY(dnnl_memory_desc_init_by_tag(&bias_md, 1, bias_dims, dnnl_f32, dnnl_a), "bias descriptor");
    KAC_DNNL_TRY(dnnl_memory_create(&fp32, &fp32_md, kac_dnnl_engine(), (void *)weight), "fp32 weights memory");
    KAC_DNNL_TRY(dnnl_memory_create(&conv->plain, &plain_md, kac_dnnl_engine(), DNNL_MEMORY_ALLOCATE), "bf16 weights memory");
    KAC_DNNL_TRY(kac_dnnl_reorder(fp32, conv->plain), "fp32 → bf16 weights reorder");
    KAC_DNNL_TRY(dnnl_memory_create(&bias_source, &bias_md, kac_dnnl_engine(), (void *)bias), "bias memory");
    KAC_DNNL_TRY(dnnl_memory_create(&conv->bias, &bias_md, kac_dnnl_engine(), DNNL_MEMORY_ALLOCATE), "bias copy");
    KAC_DNNL_TRY(kac_dnnl_reorder(bias_source, conv->bias), "bias copy");
    dnnl_memory_destroy(fp32);
    dnnl_memory_destroy(bias_source);
    return conv;
failed:
    if (fp32) dnnl_memory_destroy(fp32);
    if (bias_source) dnnl_memory_destroy(bias_source);
    kac_bf16_conv_destroy(conv);
    return NULL;
}

void kac_bf16_conv_destroy(kac_bf16_conv *conv) {
    if (!conv) return;
    for (int i = 0; i < conv->count; i++) {
        dnnl_primitive_destroy(conv->entries[i].primitive);
        dnnl_memory_destroy(conv->entries[i].weights);
    }
    free(conv->entries);
    if (conv->plain) dnnl_memory_destroy(conv->plain);
    if (conv->bias) dnnl_memory_destroy(conv->bias);
    pthread_mutex_destroy(&conv->lock);
    free(conv);
}

const char *kac_bf16_conv_implementation(const kac_bf16_conv *conv) { return conv->implementation; }

size_t kac_bf16_conv_bytes(kac_bf16_conv *conv) {
    pthread_mutex_lock(&conv->lock);
    size_t bytes = kac_dnnl_memory_bytes(conv->plain) + kac_dnnl_memory_bytes(conv->bias);
    for (int i = 0; i < conv->count; i++) bytes += kac_dnnl_memory_bytes(conv->entries[i].weights);
    pthread_mutex_unlock(&conv->lock);
    return bytes;
}

static long output_size(const kac_bf16_conv *conv, long size) {
    return (size + 2 * conv->padding - conv->kernel) / conv->stride + 1;
}

/// The memory descriptors of one call: bf16 NHWC source, fp32 NHWC destination.
static dnnl_status_t call_descriptors(
    const kac_bf16_conv *conv, long n, long h, long w, dnnl_memory_desc_t *src, dnnl_memory_desc_t *dst
) {
    dnnl_dims_t src_dims = {n, conv->cin, h, w};
    dnnl_dims_t dst_dims = {n, conv->cout, output_size(conv, h), output_size(conv, w)};
    dnnl_status_t status = dnnl_memory_desc_init_by_tag(src, 4, src_dims, dnnl_bf16, dnnl_nhwc);
    if (status == dnnl_success) status = dnnl_memory_desc_init_by_tag(dst, 4, dst_dims, dnnl_f32, dnnl_nhwc);
    return status;
}

/// The primitive for inputs of shape [n, h, w, Cin], made on first use (the caller holds the lock).
static conv_entry *entry_for(kac_bf16_conv *conv, long n, long h, long w) {
    for (int i = 0; i < conv->count; i++)
        if (conv->entries[i].n == n && conv->entries[i].h == h && conv->entries[i].w == w) return &conv->entries[i];
    if (conv->count == conv->capacity) {
        int capacity = conv->capacity ? 2 * conv->capacity : 4;
        conv_entry *grown = realloc(conv->entries, capacity * sizeof *grown);
        if (!grown) { kac_dnnl_fail("primitive cache growth", dnnl_out_of_memory); return NULL; }
        conv->entries = grown;
        conv->capacity = capacity;
    }
    conv_entry entry = {.n = n, .h = h, .w = w};
    dnnl_primitive_desc_t pd = NULL;
    dnnl_primitive_attr_t attr = NULL;
    dnnl_memory_desc_t src, dst, weights_any;
    const dnnl_memory_desc_t *bias_md;
    dnnl_memory_get_memory_desc(conv->bias, &bias_md);
    dnnl_dims_t weight_dims = {conv->cout, conv->cin, conv->kernel, conv->kernel};
    dnnl_dims_t strides = {conv->stride, conv->stride}, padding = {conv->padding, conv->padding};
    KAC_DNNL_TRY(call_descriptors(conv, n, h, w, &src, &dst), "source/destination descriptors");
    KAC_DNNL_TRY(dnnl_memory_desc_init_by_tag(&weights_any, 4, weight_dims, dnnl_bf16, dnnl_format_tag_any),
                 "weights descriptor");
    dnnl_convolution_desc_t desc;
    KAC_DNNL_TRY(dnnl_convolution_forward_desc_init(&desc, dnnl_forward_inference, dnnl_convolution_direct, &src,
                                                    &weights_any, bias_md, &dst, strides, padding, padding),
                 "convolution descriptor");
    KAC_DNNL_TRY(dnnl_primitive_attr_create(&attr), "attributes");
    KAC_DNNL_TRY(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user), "scratchpad mode");
    KAC_DNNL_TRY(dnnl_primitive_desc_create(&pd, &desc, attr, kac_dnnl_engine(), NULL), "convolution primitive descriptor");
    const char *implementation = "";
    dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &implementation);
    snprintf(conv->implementation, sizeof conv->implementation, "%s", implementation);
    entry.scratchpad_bytes = dnnl_memory_desc_get_size(dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0));
    KAC_DNNL_TRY(dnnl_primitive_create(&entry.primitive, pd), "convolution primitive");
    KAC_DNNL_TRY(dnnl_memory_create(&entry.weights, dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0),
                                    kac_dnnl_engine(), DNNL_MEMORY_ALLOCATE), "weights memory");
    KAC_DNNL_TRY(kac_dnnl_reorder(conv->plain, entry.weights), "weights reorder");
    dnnl_primitive_desc_destroy(pd);
    dnnl_primitive_attr_destroy(attr);
    conv->entries[conv->count] = entry;
    return &conv->entries[conv->count++];
failed:
    if (entry.primitive) dnnl_primitive_destroy(entry.primitive);
    if (entry.weights) dnnl_memory_destroy(entry.weights);
    if (pd) dnnl_primitive_desc_destroy(pd);
    if (attr) dnnl_primitive_attr_destroy(attr);
    return NULL;
}

int kac_bf16_conv_forward(kac_bf16_conv *conv, long n, long h, long w, const float *input, float *output) {
    if (n <= 0) return 0;
    dnnl_stream_t s = kac_dnnl_stream();
    if (!s) return kac_dnnl_fail("stream creation", dnnl_runtime_error);
    pthread_mutex_lock(&conv->lock);
    conv_entry *found = entry_for(conv, n, h, w);
    conv_entry entry = found ? *found : (conv_entry){0};
    pthread_mutex_unlock(&conv->lock);
    if (!found) return -1;
    long scalars = n * h * w * conv->cin;
    size_t source_bytes = ((size_t)scalars * 2 + 63) & ~(size_t)63;
    char *scratch = kac_dnnl_buffer(source_bytes + entry.scratchpad_bytes);
    if (!scratch) return kac_dnnl_fail("scratch allocation", dnnl_out_of_memory);
    kac_dnnl_round_rows(1, scalars, 1, input, scalars, (unsigned short *)scratch);
    dnnl_memory_desc_t src_md, dst_md, pad_md;
    dnnl_dims_t pad_dims = {(dnnl_dim_t)(entry.scratchpad_bytes ? entry.scratchpad_bytes : 1)};
    dnnl_memory_t src = NULL, dst = NULL, pad = NULL;
    int result = -1;
    KAC_DNNL_TRY(call_descriptors(conv, n, h, w, &src_md, &dst_md), "source/destination descriptors");
    KAC_DNNL_TRY(dnnl_memory_desc_init_by_tag(&pad_md, 1, pad_dims, dnnl_u8, dnnl_a), "scratchpad descriptor");
    KAC_DNNL_TRY(dnnl_memory_create(&src, &src_md, kac_dnnl_engine(), scratch), "source memory");
    KAC_DNNL_TRY(dnnl_memory_create(&dst, &dst_md, kac_dnnl_engine(), output), "destination memory");
    KAC_DNNL_TRY(dnnl_memory_create(&pad, &pad_md, kac_dnnl_engine(), scratch + source_bytes), "scratchpad memory");
    dnnl_exec_arg_t args[5] = {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, entry.weights}, {DNNL_ARG_BIAS, conv->bias},
                               {DNNL_ARG_DST, dst}, {DNNL_ARG_SCRATCHPAD, pad}};
    KAC_DNNL_TRY(dnnl_primitive_execute(entry.primitive, s, 5, args), "convolution");
    KAC_DNNL_TRY(dnnl_stream_wait(s), "stream wait");
    result = 0;
failed:
    if (src) dnnl_memory_destroy(src);
    if (dst) dnnl_memory_destroy(dst);
    if (pad) dnnl_memory_destroy(pad);
    return result;
}
