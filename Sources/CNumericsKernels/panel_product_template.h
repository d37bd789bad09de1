// One vector width's panel products, a template included by kernels.c with BK_SUFFIX, BK_TARGET, BK_WIDTH and
// BK_SINGLE and BK_PAIR set: out[c][lane] = Σ_d panel[d][lane] · right[d · column_stride + c], for one panel or two at
// once.

typedef float BK_CONCAT(vector, BK_SUFFIX)
    __attribute__((vector_size(BK_WIDTH * sizeof(float)), aligned(sizeof(float))));

// `count` (a constant after inlining) columns from `first` for `rows` (1 or 2, a constant) panels: rows × count
// accumulators held in registers over the depth. Two panels share each broadcast of `right`, so a CPU with two
// vector multiply-add units is not held up by loads.
__attribute__((target(BK_TARGET), always_inline)) static inline void
BK_CONCAT(column_block, BK_SUFFIX)(const float* panel0, const float* panel1, const float* right, int depth,
                                   int column_stride, int first, const int rows, const int count, float* out0,
                                   float* out1) {
    typedef BK_CONCAT(vector, BK_SUFFIX) vec;
    vec sum0[BK_SINGLE], sum1[BK_SINGLE]; // sum1: the second panel's, used when rows == 2
    // Every loop over the columns is unrolled (count is a constant), so the sums live in registers, not on the stack.
#pragma clang loop unroll(full)
    for (int c = 0; c < count; c++)
        sum0[c] = sum1[c] = (vec){0}; // count <= BK_SINGLE
    for (int d = 0; d < depth; d++) {
        vec row0 = *(const vec*)(panel0 + (size_t)d * BK_WIDTH);
        vec row1 = rows == 2 ? *(const vec*)(panel1 + (size_t)d * BK_WIDTH) : row0;
        const float* column = right + (size_t)d * column_stride + first;
#pragma clang loop unroll(full)
        for (int c = 0; c < count; c++) {
            float x = column[c];
            sum0[c] += row0 * x; // one fused multiply-add per panel and column
            if (rows == 2) sum1[c] += row1 * x;
        }
    }
#pragma clang loop unroll(full)
    for (int c = 0; c < count; c++)
        *(vec*)(out0 + (size_t)(first + c) * BK_WIDTH) = sum0[c];
    if (rows == 2) {
#pragma clang loop unroll(full)
        for (int c = 0; c < count; c++)
            *(vec*)(out1 + (size_t)(first + c) * BK_WIDTH) = sum1[c];
    }
}

// One panel (panel1 and out1 null) or two.
__attribute__((target(BK_TARGET))) static void BK_CONCAT(product, BK_SUFFIX)(const float* panel0, const float* panel1,
                                                                             const float* right, int depth,
                                                                             int column_stride, int columns,
                                                                             float* out0, float* out1) {
    int rows = panel1 ? 2 : 1;
    int block = panel1 ? BK_PAIR : BK_SINGLE;
    if (!panel1) {
        panel1 = panel0;
        out1 = out0;
    }
    for (int first = 0; first < columns; first += block) {
        int count = columns - first < block ? columns - first : block;
        // A constant count (and row count) per case: the sums stay in registers (a variable count spills them).
#define BK_BLOCK(r, n)                                                                                                 \
    case (r)*100 + (n):                                                                                                \
        BK_CONCAT(column_block, BK_SUFFIX)(panel0, panel1, right, depth, column_stride, first, r, n, out0, out1);      \
        break
        switch (rows * 100 + count) {
            BK_BLOCK(1, 1);
            BK_BLOCK(1, 2);
            BK_BLOCK(1, 3);
            BK_BLOCK(1, 4);
            BK_BLOCK(1, 5);
            BK_BLOCK(1, 6);
            BK_BLOCK(1, 7);
            BK_BLOCK(1, 8);
            BK_BLOCK(1, 9);
            BK_BLOCK(1, 10);
            BK_BLOCK(1, 11);
            BK_BLOCK(1, 12);
#if BK_SINGLE > 12
            BK_BLOCK(1, 13);
#endif
            BK_BLOCK(2, 1);
            BK_BLOCK(2, 2);
            BK_BLOCK(2, 3);
            BK_BLOCK(2, 4);
            BK_BLOCK(2, 5);
            BK_BLOCK(2, 6);
#if BK_PAIR > 6
            BK_BLOCK(2, 7);
            BK_BLOCK(2, 8);
            BK_BLOCK(2, 9);
            BK_BLOCK(2, 10);
            BK_BLOCK(2, 11);
            BK_BLOCK(2, 12);
            BK_BLOCK(2, 13);
#endif
        default:
            break;
        }
#undef BK_BLOCK
    }
}
