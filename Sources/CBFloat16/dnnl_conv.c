// kac_bf16_conv on oneDNN's convolution primitive: the weights rounded to bf16 once, the bias kept
// in fp32, then one primitive per input shape (N, H, W; made on first use, with the weights
// reordered into the layout it asks for). Each call rounds the NHWC input to bf16 once (1×, where
// im2col + matmul rounds k² copies) into the thread's buffer, followed by the user-managed
// scratchpad; oneDNN adds the bias and writes fp32 NHWC. Every output pixel depends only on its
// own image, and the kernel a primitive runs is fixed by its shape.
#include "dnnl_shared.h"
#include "kac_bf16.h"
#include "kac_vector.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

struct kac_bf16_conv {
    long cin, cout, kernel, stride, padding;
    /// The weights as bf16 in our layout [kh][kw][Cin][Cout] (oneDNN's hwio).
    dnnl_memory_t plain;
    dnnl_memory_t bias;
    pthread_mutex_t lock;
    /// By input shape (images, height, width).
    kac_dnnl_entries shapes;
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
    kac_dnnl_entries_destroy(&conv->shapes);
    if (conv->plain) dnnl_memory_destroy(conv->plain);
    if (conv->bias) dnnl_memory_destroy(conv->bias);
    pthread_mutex_destroy(&conv->lock);
    free(conv);
}

const char *kac_bf16_conv_implementation(const kac_bf16_conv *conv) { return conv->implementation; }

size_t kac_bf16_conv_bytes(kac_bf16_conv *conv) {
    pthread_mutex_lock(&conv->lock);
    size_t bytes = kac_dnnl_memory_bytes(conv->plain) + kac_dnnl_memory_bytes(conv->bias)
        + kac_dnnl_entries_bytes(&conv->shapes);
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
static kac_dnnl_entry *entry_for(kac_bf16_conv *conv, long n, long h, long w) {
    kac_dnnl_entry *found = kac_dnnl_entries_find(&conv->shapes, n, h, w);
    if (found) return found;
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
    return kac_dnnl_entries_add(
        &conv->shapes, n, h, w, &desc, conv->plain, conv->implementation, sizeof conv->implementation);
failed:
    return NULL;
}

/// Rounds the input (after the per-image affine map and SiLU when `scale` is given) into the thread's
/// buffer, then runs the primitive for its shape.
static int forward(kac_bf16_conv *conv, long n, long h, long w, const float *input, const float *scale,
                   const float *shift, int silu, float *output) {
    if (n <= 0) return 0;
    pthread_mutex_lock(&conv->lock);
    kac_dnnl_entry *found = entry_for(conv, n, h, w);
    kac_dnnl_entry entry = found ? *found : (kac_dnnl_entry){0};
    pthread_mutex_unlock(&conv->lock);
    if (!found) return -1;
    long scalars = n * h * w * conv->cin;
    size_t source_bytes = ((size_t)scalars * 2 + 63) & ~(size_t)63;
    char *scratch = kac_dnnl_buffer(source_bytes + entry.scratchpad_bytes);
    if (!scratch) return kac_dnnl_fail("scratch allocation", dnnl_out_of_memory);
    if (scale) {
        long pixels = h * w, cin = conv->cin;
        for (long image = 0; image < n; image++)
            kac_scale_shift_rows_bf16(input + image * pixels * cin, (unsigned short *)scratch + image * pixels * cin,
                                      pixels, cin, scale + image * cin, shift + image * cin, silu);
    } else {
        kac_dnnl_round_rows(1, scalars, 1, input, scalars, (unsigned short *)scratch);
    }
    dnnl_memory_desc_t src_md, dst_md;
    if (call_descriptors(conv, n, h, w, &src_md, &dst_md) != dnnl_success)
        return kac_dnnl_fail("source/destination descriptors", dnnl_runtime_error);
    return kac_dnnl_execute(&entry, &src_md, scratch, conv->bias, &dst_md, output, scratch + source_bytes, "convolution");
}

int kac_bf16_conv_forward(kac_bf16_conv *conv, long n, long h, long w, const float *input, float *output) {
    return forward(conv, n, h, w, input, NULL, NULL, 0, output);
}

int kac_bf16_conv_forward_affine(kac_bf16_conv *conv, long n, long h, long w, const float *input, const float *scale,
                                 const float *shift, int silu, float *output) {
    return forward(conv, n, h, w, input, scale, shift, silu, output);
}
