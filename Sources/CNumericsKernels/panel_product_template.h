// One vector width's panel products, a template included by kernels.c with BK_SUFFIX, BK_TARGET, BK_WIDTH and
// BK_SINGLE and BK_PAIR set: out[c][lane] = Σ_d panel[d][lane] · right[d · column_stride + c], for one panel or two at once.

typedef float BK_CONCAT(vector, BK_SUFFIX) __attribute__((vector_size(BK_WIDTH * sizeof(float)), aligned(sizeof(float))));

// `count` (a constant after inlining) columns from `first` for `rows` (1 or 2, a constant) panels: rows × count
// accumulators held in registers over the depth. Two panels share each broadcast of `right`, so a CPU with two
// vector multiply-add units is not held up by loads.
__attribute__((target(BK_TARGET), always_inline)) static inline void BK_CONCAT(column_block, BK_SUFFIX)(
    const float *panel0, const float *panel1, const float *right, int depth, int column_stride, int first,
    const int rows, const int count, float *out0, float *out1) {
    typedef BK_CONCAT(vector, BK_SUFFIX) vec;
    vec sum0[BK_SINGLE], sum1[BK_PAIR];
    // Every loop over the columns is unrolled (count is a constant), so the sums live in registers, not on the stack.
#pragma clang loop unroll(full)
    for (int c = 0; c < count; c++) sum0[c] = sum1[c] = (vec){0};
    for (int d = 0; d < depth; d++) {
        vec row0 = *(const vec *)(panel0 + (size_t)d * BK_WIDTH);
        vec row1 = rows == 2 ? *(const vec *)(panel1 + (size_t)d * BK_WIDTH) : row0;
        const float *column = right + (size_t)d * column_stride + first;
#pragma clang loop unroll(full)
        for (int c = 0; c < count; c++) {
            float x = column[c];
            sum0[c] += row0 * x; // one fused multiply-add per panel and column
            if (rows == 2) sum1[c] += row1 * x;
        }
    }
#pragma clang loop unroll(full)
    for (int c = 0; c < count; c++) *(vec *)(out0 + (size_t)(first + c) * BK_WIDTH) = sum0[c];
    if (rows == 2) {
#pragma clang loop unroll(full)
        for (int c = 0; c < count; c++) *(vec *)(out1 + (size_t)(first + c) * BK_WIDTH) = sum1[c];
    }
}

// One panel (panel1 and out1 null) or two.
__attribute__((target(BK_TARGET))) static void BK_CONCAT(product, BK_SUFFIX)(
    const float *panel0, const float *panel1, const float *right, int depth, int column_stride, int columns, float *out0,
    float *out1) {
    if (panel1) {
        for (int first = 0; first < columns; first += BK_PAIR) {
            int count = columns - first < BK_PAIR ? columns - first : BK_PAIR;
            // A constant count per case: the accumulators stay in registers (a variable count spills them).
            switch (count) {
#define BK_CASE(n) \
    case n: BK_CONCAT(column_block, BK_SUFFIX)(panel0, panel1, right, depth, column_stride, first, 2, n, out0, out1); break;
                BK_CASE(1) BK_CASE(2) BK_CASE(3) BK_CASE(4) BK_CASE(5) BK_CASE(6)
#if BK_PAIR > 6
                BK_CASE(7) BK_CASE(8) BK_CASE(9) BK_CASE(10) BK_CASE(11) BK_CASE(12) BK_CASE(13)
#endif
#undef BK_CASE
            default: break;
            }
        }
        return;
    }
    for (int first = 0; first < columns; first += BK_SINGLE) {
        int count = columns - first < BK_SINGLE ? columns - first : BK_SINGLE;
        switch (count) {
#define BK_CASE(n) \
    case n: BK_CONCAT(column_block, BK_SUFFIX)(panel0, panel0, right, depth, column_stride, first, 1, n, out0, out0); break;
            BK_CASE(1) BK_CASE(2) BK_CASE(3) BK_CASE(4) BK_CASE(5) BK_CASE(6) BK_CASE(7) BK_CASE(8) BK_CASE(9)
            BK_CASE(10) BK_CASE(11) BK_CASE(12)
#if BK_SINGLE > 12
            BK_CASE(13)
#endif
#undef BK_CASE
        default: break;
        }
    }
}
