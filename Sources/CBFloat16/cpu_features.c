// CPU features for the bf16 path, read with cpuid at run time (never assumed at compile time).
#include "kac_bf16.h"
#include "kac_vector.h"
#include <cpuid.h>

int kac_bf16_cpu_supported(void) {
    unsigned eax, ebx, ecx, edx;
    if (!kac_cpu_avx512_supported()) return 0;  // AVX-512F with the OS saving its state
    __cpuid_count(7, 0, eax, ebx, ecx, edx);
    if (!(ebx & (1u << 30)) || !(ebx & (1u << 31))) return 0;  // BW, VL
    __cpuid_count(7, 1, eax, ebx, ecx, edx);
    return (eax & (1u << 5)) ? 1 : 0;  // AVX512_BF16
}

int kac_bf16_cpu_has_amx(void) {
    unsigned eax, ebx, ecx, edx;
    if (__get_cpuid_max(0, 0) < 7) return 0;
    __cpuid_count(7, 0, eax, ebx, ecx, edx);
    return (edx & (1u << 22)) && (edx & (1u << 24)) ? 1 : 0;  // AMX-BF16, AMX-TILE
}
