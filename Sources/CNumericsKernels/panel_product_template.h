// One vector width's panel product, a template included by kernels.c with BK_SUFFIX, BK_TARGET, BK_WIDTH and
// BK_BLOCK set: out[c][lane] = Σ_d panel[d][lane] · right[d · column_stride + c].

typedef float BK_CONCAT(vector, BK_SUFFIX) __attribute__((vector_size(BK_WIDTH * sizeof(float)), aligned(sizeof(float))));

// `count` (a constant after inlining) columns from `first`: `count` accumulators held in registers over the depth.
__attribute__((target(BK_TARGET), always_inline)) static inline void BK_CONCAT(column_block, BK_SUFFIX)(
    const float *panel, const float *right, int depth, int column_stride, int first, const int count, float *out) {
    typedef BK_CONCAT(vector, BK_SUFFIX) vec;
    vec sum[BK_BLOCK];
    for (int c = 0; c < count; c++) sum[c] = (vec){0};
    for (int d = 0; d < depth; d++) {
        vec row = *(const vec *)(panel + (size_t)d * BK_WIDTH);
        const float *column = right + (size_t)d * column_stride + first;
        for (int c = 0; c < count; c++) sum[c] += row * column[c]; // one fused multiply-add per column
    }
    for (int c = 0; c < count; c++) *(vec *)(out + (size_t)(first + c) * BK_WIDTH) = sum[c];
}

__attribute__((target(BK_TARGET))) static void BK_CONCAT(product, BK_SUFFIX)(
    const float *panel, const float *right, int depth, int column_stride, int columns, float *out) {
    for (int first = 0; first < columns; first += BK_BLOCK) {
        int count = columns - first < BK_BLOCK ? columns - first : BK_BLOCK;
        // A constant count per case: the accumulators stay in registers (a variable count spills them).
        switch (count) {
#define BK_CASE(n) \
    case n: BK_CONCAT(column_block, BK_SUFFIX)(panel, right, depth, column_stride, first, n, out); break;
            BK_CASE(1) BK_CASE(2) BK_CASE(3) BK_CASE(4) BK_CASE(5) BK_CASE(6) BK_CASE(7) BK_CASE(8) BK_CASE(9)
            BK_CASE(10) BK_CASE(11) BK_CASE(12)
#if BK_BLOCK > 12
            BK_CASE(13)
#endif
#undef BK_CASE
        default: break;
        }
    }
}
