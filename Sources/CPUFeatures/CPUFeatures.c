#include "CPUFeatures.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <stdint.h>

// CPUID reports what the silicon has; XCR0 says which register files the OS saves on a context
// switch, without which the instructions using them fault. Both are read here, without the
// compiler runtime's `__builtin_cpu_supports`, so the check means the same under any linker.

static bool has_all(uint32_t reg, uint32_t bits) { return (reg & bits) == bits; }

static uint64_t xcr0(void) {
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}

bool explaininghate_cpu_runs_haswell_code(void) {
    uint32_t a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return false;
    // SSE3 0, SSSE3 9, FMA 12, SSE4.1 19, SSE4.2 20, MOVBE 22, POPCNT 23, OSXSAVE 27, AVX 28, F16C 29.
    uint32_t leaf1 = 1u << 0 | 1u << 9 | 1u << 12 | 1u << 19 | 1u << 20 | 1u << 22 | 1u << 23 | 1u << 27 | 1u << 28 | 1u << 29;
    if (!has_all(c, leaf1)) return false;
    // XMM and YMM state.
    if ((xcr0() & 0x6) != 0x6) return false;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
    // BMI1 3, AVX2 5, BMI2 8.
    if (!has_all(b, 1u << 3 | 1u << 5 | 1u << 8)) return false;
    // LZCNT (ABM) 5.
    if (!__get_cpuid(0x80000001, &a, &b, &c, &d)) return false;
    return has_all(c, 1u << 5);
}

bool explaininghate_cpu_runs_icelake_server_code(void) {
    if (!explaininghate_cpu_runs_haswell_code()) return false;
    // Opmask, upper halves of ZMM0-15, ZMM16-31.
    if ((xcr0() & 0xE0) != 0xE0) return false;
    uint32_t a, b, c, d;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
    // AVX512F 16, DQ 17, IFMA 21, CD 28, BW 30, VL 31.
    if (!has_all(b, 1u << 16 | 1u << 17 | 1u << 21 | 1u << 28 | 1u << 30 | 1u << 31)) return false;
    // VBMI 1, VBMI2 6, GFNI 8, VAES 9, VPCLMULQDQ 10, VNNI 11, BITALG 12, VPOPCNTDQ 14.
    return has_all(c, 1u << 1 | 1u << 6 | 1u << 8 | 1u << 9 | 1u << 10 | 1u << 11 | 1u << 12 | 1u << 14);
}

#else

bool explaininghate_cpu_runs_haswell_code(void) { return false; }
bool explaininghate_cpu_runs_icelake_server_code(void) { return false; }

#endif
