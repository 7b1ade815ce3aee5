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

/// One primitive for one call shape (up to three numbers; unused ones 0), with the weights
/// reordered into the layout that primitive asked for.
typedef struct {
    long key[3];
    dnnl_primitive_t primitive;
    dnnl_memory_t weights;
    size_t scratchpad_bytes;
} kac_dnnl_entry;

/// The primitives of one weight, by call shape. Not thread-safe: callers hold their lock.
typedef struct {
    kac_dnnl_entry *entries;
    int count, capacity;
} kac_dnnl_entries;

/// The entry for shape (a, b, c), or NULL.
kac_dnnl_entry *kac_dnnl_entries_find(kac_dnnl_entries *entries, long a, long b, long c);
/// Makes the primitive `desc` describes (user-managed scratchpad), reorders `plain` into the weight
/// layout it asks for, copies oneDNN's name of its kernel into `implementation`, and adds it as
/// shape (a, b, c). NULL on failure (message in kac_bf16_last_error).
kac_dnnl_entry *kac_dnnl_entries_add(
    kac_dnnl_entries *entries, long a, long b, long c, const_dnnl_op_desc_t desc, dnnl_memory_t plain,
    char *implementation, size_t implementation_size);
/// Bytes of every entry's weights.
size_t kac_dnnl_entries_bytes(const kac_dnnl_entries *entries);
void kac_dnnl_entries_destroy(kac_dnnl_entries *entries);

/// Runs `entry` on this thread's stream: bf16 source at `source`, the entry's weights, `bias` (or
/// NULL), fp32 destination at `destination`, the scratchpad at `scratchpad`. 0, or -1 (message in
/// kac_bf16_last_error).
int kac_dnnl_execute(
    const kac_dnnl_entry *entry, const dnnl_memory_desc_t *source_md, void *source, dnnl_memory_t bias,
    const dnnl_memory_desc_t *destination_md, void *destination, void *scratchpad, const char *what);

#define KAC_DNNL_TRY(call, what)                                            \
    do {                                                                    \
        dnnl_status_t status_ = (call);                                     \
        if (status_ != dnnl_success) { kac_dnnl_fail(what, status_); goto failed; } \
    } while (0)

#endif
