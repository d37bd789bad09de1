// OpenBLAS (CBLAS) and LAPACKE from Debian's libopenblas-dev and liblapacke-dev.
#pragma once
#include <cblas.h>
#include <lapacke.h>
// Thread control: pin OpenBLAS to one thread next to physics and rendering (native-layer.md).
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
// The kernel set (core type) OpenBLAS's DYNAMIC_ARCH build chose when it loaded, e.g. "Haswell", "Prescott".
char* openblas_get_corename(void);

// The x86-64 features that decide which OpenBLAS kernels a CPU can run (cpuid leaves 1 and 7, and XGETBV for
// whether the OS saves the YMM/ZMM registers). Read here because Swift has no cpuid intrinsic.
typedef struct {
    int avx, fma, avx2;
    int avx512f, avx512cd, avx512bw, avx512dq, avx512vl, avx512bf16;
    int osSavesYMM, osSavesZMM;
    int amd;
} benchtop_cpu_features;

#if defined(__x86_64__)
#include <cpuid.h>
static inline benchtop_cpu_features benchtop_read_cpu_features(void) {
    benchtop_cpu_features f = {0};
    unsigned a, b, c, d;
    if (!__get_cpuid(0, &a, &b, &c, &d)) return f;
    unsigned maxLeaf = a;
    f.amd = (b == 0x68747541u); // "AuthenticAMD"
    __get_cpuid(1, &a, &b, &c, &d);
    f.avx = (c >> 28) & 1;
    f.fma = (c >> 12) & 1;
    if ((c >> 27) & 1) { // OSXSAVE: XGETBV is usable
        unsigned lo, hi;
        __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
        f.osSavesYMM = (lo & 0x6u) == 0x6u;
        f.osSavesZMM = (lo & 0xe6u) == 0xe6u;
    }
    if (maxLeaf >= 7) {
        __cpuid_count(7, 0, a, b, c, d);
        f.avx2 = (b >> 5) & 1;
        f.avx512f = (b >> 16) & 1;
        f.avx512dq = (b >> 17) & 1;
        f.avx512cd = (b >> 28) & 1;
        f.avx512bw = (b >> 30) & 1;
        f.avx512vl = (b >> 31) & 1;
        if (a >= 1) { // sub-leaf 1 exists
            __cpuid_count(7, 1, a, b, c, d);
            f.avx512bf16 = (a >> 5) & 1;
        }
    }
    return f;
}
#else
static inline benchtop_cpu_features benchtop_read_cpu_features(void) {
    benchtop_cpu_features f = {0};
    return f;
}
#endif

// glibc's heap thresholds (mallopt), for HeapTuning: the forward passes' megabyte buffers stay in the heap.
#if defined(__GLIBC__)
#include <malloc.h>
static inline int benchtop_keep_large_blocks(int mmap_threshold, int trim_threshold) {
    return mallopt(M_MMAP_THRESHOLD, mmap_threshold) == 1 && mallopt(M_TRIM_THRESHOLD, trim_threshold) == 1;
}
#else
static inline int benchtop_keep_large_blocks(int mmap_threshold, int trim_threshold) {
    (void)mmap_threshold;
    (void)trim_threshold;
    return 0;
}
#endif
