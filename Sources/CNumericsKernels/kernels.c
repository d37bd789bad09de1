// Packed-panel products and the Winograd F(2×2, 3×3) convolution built on them (see benchtop_kernels.h). The
// transforms are scalar and shared; the products, which are nearly all the work, are compiled once per vector width
// from panel_product_template.h.
#include "benchtop_kernels.h"

#include <string.h>

static int ceil_half(int n) {
    return (n + 1) / 2;
}
static int panel_count(int out_channels, int vector_width) {
    return (out_channels + vector_width - 1) / vector_width;
}

size_t bk_winograd_packed_count(int out_channels, int in_channels, int vector_width) {
    return (size_t)16 * panel_count(out_channels, vector_width) * in_channels * vector_width;
}

// Packed layout: [16 transform positions][panel][in channel][vector_width lanes]; lanes past out_channels are zero.
void bk_winograd_pack(const float* weight, int out_channels, int in_channels, int vector_width, float* packed) {
    int panels = panel_count(out_channels, vector_width);
    memset(packed, 0, bk_winograd_packed_count(out_channels, in_channels, vector_width) * sizeof(float));
    for (int co = 0; co < out_channels; co++) {
        for (int ci = 0; ci < in_channels; ci++) {
            const float* g = weight + ((size_t)co * in_channels + ci) * 9;
            // t = G g (4×3), then u = t Gᵀ (4×4), G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1].
            float t[4][3];
            for (int j = 0; j < 3; j++) {
                t[0][j] = g[j];
                t[1][j] = 0.5f * (g[j] + g[3 + j] + g[6 + j]);
                t[2][j] = 0.5f * (g[j] - g[3 + j] + g[6 + j]);
                t[3][j] = g[6 + j];
            }
            for (int i = 0; i < 4; i++) {
                float u[4] = {t[i][0], 0.5f * (t[i][0] + t[i][1] + t[i][2]), 0.5f * (t[i][0] - t[i][1] + t[i][2]),
                              t[i][2]};
                for (int j = 0; j < 4; j++) {
                    size_t at = (((size_t)(i * 4 + j) * panels + co / vector_width) * in_channels + ci) * vector_width;
                    packed[at + co % vector_width] = u[j];
                }
            }
        }
    }
}

size_t bk_winograd_scratch_count(int in_channels, int height, int width, int vector_width) {
    size_t tiles = (size_t)ceil_half(height) * ceil_half(width);
    return 16 * tiles * ((size_t)in_channels + 2 * (size_t)vector_width);
}

// V[position][in channel][tile] = Bᵀ d B for every 4×4 input tile d (rows 2ty−1 … 2ty+2, zero outside),
// Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1].
static void transform_input(const float* input, int in_channels, int height, int width, float* v) {
    int th = ceil_half(height), tw = ceil_half(width);
    size_t tiles = (size_t)th * tw;
    for (int ci = 0; ci < in_channels; ci++) {
        const float* plane = input + (size_t)ci * height * width;
        for (int ty = 0; ty < th; ty++) {
            for (int tx = 0; tx < tw; tx++) {
                float d[4][4];
                for (int i = 0; i < 4; i++) {
                    int y = 2 * ty - 1 + i;
                    for (int j = 0; j < 4; j++) {
                        int x = 2 * tx - 1 + j;
                        d[i][j] = (y >= 0 && y < height && x >= 0 && x < width) ? plane[(size_t)y * width + x] : 0.0f;
                    }
                }
                float t[4][4];
                for (int j = 0; j < 4; j++) {
                    t[0][j] = d[0][j] - d[2][j];
                    t[1][j] = d[1][j] + d[2][j];
                    t[2][j] = d[2][j] - d[1][j];
                    t[3][j] = d[1][j] - d[3][j];
                }
                size_t tile = (size_t)ty * tw + tx;
                for (int i = 0; i < 4; i++) {
                    float row[4] = {t[i][0] - t[i][2], t[i][1] + t[i][2], t[i][2] - t[i][1], t[i][1] - t[i][3]};
                    for (int j = 0; j < 4; j++)
                        v[((size_t)(i * 4 + j) * in_channels + ci) * tiles + tile] = row[j];
                }
            }
        }
    }
}

// output = bias + Aᵀ m A for each tile of the lanes' output channels, Aᵀ = [1 1 1 0; 0 1 −1 −1]; m is
// [position][tile][vector_width], as the products store it.
static void transform_output(const float* m, int vector_width, int first_channel, int lanes, const float* bias,
                             int height, int width, int relu, float* output) {
    int th = ceil_half(height), tw = ceil_half(width);
    size_t tiles = (size_t)th * tw;
    for (int lane = 0; lane < lanes; lane++) {
        int co = first_channel + lane;
        float* plane = output + (size_t)co * height * width;
        for (int ty = 0; ty < th; ty++) {
            for (int tx = 0; tx < tw; tx++) {
                size_t tile = (size_t)ty * tw + tx;
                float q[4][4];
                for (int k = 0; k < 16; k++)
                    q[k / 4][k % 4] = m[((size_t)k * tiles + tile) * vector_width + lane];
                float s[2][4];
                for (int j = 0; j < 4; j++) {
                    s[0][j] = q[0][j] + q[1][j] + q[2][j];
                    s[1][j] = q[1][j] - q[2][j] - q[3][j];
                }
                for (int i = 0; i < 2; i++) {
                    int y = 2 * ty + i;
                    if (y >= height) break;
                    float pair[2] = {bias[co] + (s[i][0] + s[i][1] + s[i][2]),
                                     bias[co] + (s[i][1] - s[i][2] - s[i][3])};
                    for (int j = 0; j < 2; j++) {
                        int x = 2 * tx + j;
                        if (x >= width) break;
                        float value = pair[j];
                        plane[(size_t)y * width + x] = (relu && value < 0.0f) ? 0.0f : value;
                    }
                }
            }
        }
    }
}

typedef void (*product_function)(const float* panel0, const float* panel1, const float* right, int depth,
                                 int column_stride, int columns, float* out0, float* out1);

#define BK_CONCAT2(a, b) a##b
#define BK_CONCAT(a, b) BK_CONCAT2(a, b)

#if defined(__x86_64__)
#define BK_SUFFIX _avx512
#define BK_TARGET "avx512f"
#define BK_WIDTH 16
#define BK_SINGLE 13 // accumulators for one panel: 13 + the filter row of 32 registers
#define BK_PAIR 13   // for two panels: 26 + two filter rows
#include "panel_product_template.h"
#undef BK_SUFFIX
#undef BK_TARGET
#undef BK_WIDTH
#undef BK_SINGLE
#undef BK_PAIR

#define BK_SUFFIX _avx2
#define BK_TARGET "avx2,fma"
#define BK_WIDTH 8
#define BK_SINGLE 12 // 12 accumulators + the filter row + a broadcast of 16 registers
#define BK_PAIR 6    // 12 + two filter rows + a broadcast
#include "panel_product_template.h"
#undef BK_SUFFIX
#undef BK_TARGET
#undef BK_WIDTH
#undef BK_SINGLE
#undef BK_PAIR
#endif

static product_function product_for(int vector_width) {
#if defined(__x86_64__)
    if (vector_width == 16) return product_avx512;
    if (vector_width == 8) return product_avx2;
#endif
    (void)vector_width;
    return 0;
}

int bk_supports_vector_width(int vector_width) {
    return product_for(vector_width) != 0;
}

size_t bk_panels_count(int rows, int depth, int vector_width) {
    return (size_t)panel_count(rows, vector_width) * depth * vector_width;
}

void bk_pack_panels(const float* matrix, int rows, int depth, int vector_width, float* packed) {
    memset(packed, 0, bk_panels_count(rows, depth, vector_width) * sizeof(float));
    for (int r = 0; r < rows; r++) {
        float* panel = packed + (size_t)(r / vector_width) * depth * vector_width + r % vector_width;
        for (int d = 0; d < depth; d++)
            panel[(size_t)d * vector_width] = matrix[(size_t)r * depth + d];
    }
}

void bk_panels_product(int vector_width, const float* packed, int depth, int panels, const float* right,
                       int column_stride, int columns, float* out) {
    product_function product = product_for(vector_width);
    if (!product) return;
    size_t panel_floats = (size_t)depth * vector_width;
    size_t out_floats = (size_t)columns * vector_width;
    int p = 0;
    for (; p + 1 < panels; p += 2) {
        product(packed + p * panel_floats, packed + (p + 1) * panel_floats, right, depth, column_stride, columns,
                out + p * out_floats, out + (p + 1) * out_floats);
    }
    if (p < panels)
        product(packed + p * panel_floats, 0, right, depth, column_stride, columns, out + p * out_floats, 0);
}

void bk_winograd_conv3x3(int vector_width, const float* packed, const float* bias, const float* input, int in_channels,
                         int out_channels, int height, int width, int relu, float* scratch, float* output) {
    product_function product = product_for(vector_width);
    if (!product) return;
    size_t tiles = (size_t)ceil_half(height) * ceil_half(width);
    float* v = scratch;
    float* m = scratch + 16 * tiles * in_channels;
    transform_input(input, in_channels, height, width, v);
    int panels = panel_count(out_channels, vector_width);
    size_t panel_floats = (size_t)in_channels * vector_width;
    size_t m_floats = 16 * tiles * vector_width; // one panel's products: a few KiB, they stay in L1
    // Per pair of panels of output channels (two share each load of v): the 16 products into m, then the tiles.
    for (int p = 0; p < panels; p += 2) {
        int pair = p + 1 < panels;
        for (int k = 0; k < 16; k++) {
            const float* panel0 = packed + ((size_t)k * panels + p) * panel_floats;
            product(panel0, pair ? panel0 + panel_floats : 0, v + (size_t)k * in_channels * tiles, in_channels,
                    (int)tiles, (int)tiles, m + (size_t)k * tiles * vector_width,
                    pair ? m + m_floats + (size_t)k * tiles * vector_width : 0);
        }
        for (int q = p; q <= p + pair; q++) {
            int first = q * vector_width;
            int lanes = out_channels - first < vector_width ? out_channels - first : vector_width;
            transform_output(m + (q - p) * m_floats, vector_width, first, lanes, bias, height, width, relu, output);
        }
    }
}
