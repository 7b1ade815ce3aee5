// What the oneDNN wrappers (dnnl_matmul.c, dnnl_conv.c) share: one CPU engine, a stream and a
// scratch buffer per thread (oneDNN's OpenMP held at one thread: callers split work themselves),
// error messages per thread, reorders, and the fp32 → bf16 rounding of activations.
#ifndef KAC_DNNL_SHARED_H
#define KAC_DNNL_SHARED_H
#include <oneapi/dnnl/dnnl.h>
#include <stddef.h>

/// Records "oneDNN <what> failed (status N)" as this thread's last error; returns -1.
int kac_dnnl_fail(const char *what, dnnl_status_t status);
/// Clears this thread's last error.
void kac_dnnl_clear_error(void);
/// The process's CPU engine (NULL when oneDNN could not make one).
dnnl_engine_t kac_dnnl_engine(void);
/// This thread's stream (NULL when oneDNN could not make one).
dnnl_stream_t kac_dnnl_stream(void);
/// This thread's scratch of at least `bytes` (64-byte aligned), reused by every call; NULL when out of memory.
void *kac_dnnl_buffer(size_t bytes);
/// Copies `from` into `to` (converting type and layout) on this thread's stream.
dnnl_status_t kac_dnnl_reorder(dnnl_memory_t from, dnnl_memory_t to);
/// (alpha·A) rows [m][k] (row stride lda) to bf16, contiguous [m][k], rounding to nearest even.
void kac_dnnl_round_rows(long m, long k, float alpha, const float *a, long lda, unsigned short *out);

/// Bytes a memory object holds (0 for NULL).
size_t kac_dnnl_memory_bytes(dnnl_memory_t memory);

#define KAC_DNNL_TRY(call, what)                                            \
    do {                                                                    \
        dnnl_status_t status_ = (call);                                     \
        if (status_ != dnnl_success) { kac_dnnl_fail(what, status_); goto failed; } \
    } while (0)

#endif
