// Whether oneDNN can run here, asked once before the first bf16 model is built. oneDNN generates its
// kernels at run time (Xbyak writes machine code into memory it then makes executable), so a
// process that may not make written memory executable — systemd's MemoryDenyWriteExecute=,
// prctl(PR_SET_MDWE), an SELinux execmem denial — has AVX512_BF16 but cannot use it.
#include "kac_bf16.h"
#include <sys/mman.h>
#include <unistd.h>

int kac_jit_memory_allowed(void) {
    long page = sysconf(_SC_PAGESIZE);
    if (page <= 0) page = 4096;
    void *memory = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) return 1;  // out of memory is not a policy; let oneDNN's own probe decide
    int allowed = mprotect(memory, (size_t)page, PROT_READ | PROT_EXEC) == 0;
    munmap(memory, (size_t)page);
    return allowed;
}

int kac_bf16_runtime_probe(void) {
    // A 1×16 by 16×16 product: the weights' reorder and the matmul both need generated kernels.
    float b[16 * 16] = {0}, a[16] = {0}, c[16];
    kac_bf16_matrix *matrix = kac_bf16_matrix_create(b, 16, 0, 16, 16);
    if (!matrix) return 0;
    int ran = kac_bf16_matmul(matrix, 1, 1.0f, a, 16, c, 16) == 0;
    kac_bf16_matrix_destroy(matrix);
    return ran;
}
