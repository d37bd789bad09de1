// One vector width's product kernel, a template included by winograd.c with BK_SUFFIX, BK_TARGET, BK_WIDTH and BK_BLOCK set:
// m[tile][lane] = Σ_ci packed[ci][lane] · v[ci][tile] for one panel of BK_WIDTH output channels.

typedef float BK_CONCAT(vector, BK_SUFFIX) __attribute__((vector_size(BK_WIDTH * sizeof(float)), aligned(sizeof(float))));

// `count` (a constant after inlining) tiles from `first`: `count` accumulators held in registers across the channels.
__attribute__((target(BK_TARGET), always_inline)) static inline void BK_CONCAT(tile_block, BK_SUFFIX)(
    const float *packed, const float *v, int in_channels, int tiles, int first, const int count, float *m) {
    typedef BK_CONCAT(vector, BK_SUFFIX) vec;
    vec sum[BK_BLOCK];
    for (int t = 0; t < count; t++) sum[t] = (vec){0};
    for (int ci = 0; ci < in_channels; ci++) {
        vec row = *(const vec *)(packed + (size_t)ci * BK_WIDTH);
        const float *column = v + (size_t)ci * tiles + first;
        for (int t = 0; t < count; t++) sum[t] += row * column[t]; // one fused multiply-add per tile
    }
    for (int t = 0; t < count; t++) *(vec *)(m + (size_t)(first + t) * BK_WIDTH) = sum[t];
}

__attribute__((target(BK_TARGET))) static void BK_CONCAT(product, BK_SUFFIX)(
    const float *packed, const float *v, int in_channels, int tiles, float *m) {
    for (int first = 0; first < tiles; first += BK_BLOCK) {
        int count = tiles - first < BK_BLOCK ? tiles - first : BK_BLOCK;
        // A constant count per case: the accumulators stay in registers (a variable count spills them).
        switch (count) {
#define BK_CASE(n) \
    case n: BK_CONCAT(tile_block, BK_SUFFIX)(packed, v, in_channels, tiles, first, n, m); break;
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
