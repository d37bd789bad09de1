// Packed-panel products and the Winograd F(2×2, 3×3) convolution built on them (see benchtop_kernels.h). The
// transforms are scalar and shared; the products, which are nearly all the work, are compiled once per vector width
// from panel_product_template.h.
#include "benchtop_kernels.h"

#include <string.h>

static int ceil_half(int n) { return (n + 1) / 2; }
static int panel_count(int out_channels, int vector_width) { return (out_channels + vector_width - 1) / vector_width; }

size_t bk_winograd_packed_count(int out_channels, int in_channels, int vector_width) {
    return (size_t)16 * panel_count(out_channels, vector_width) * in_channels * vector_width;
}

// Packed layout: [16 transform positions][panel][in channel][vector_width lanes]; lanes past out_channels are zero.
void bk_winograd_pack(const float *weight, int out_channels, int in_channels, int vector_width, float *packed) {
    int panels = panel_count(out_channels, vector_width);
    memset(packed, 0, bk_winograd_packed_count(out_channels, in_channels, vector_width) * sizeof(float));
    for (int co = 0; co < out_channels; co++) {
        for (int ci = 0; ci < in_channels; ci++) {
            const float *g = weight + ((size_t)co * in_channels + ci) * 9;
            // t = G g (4×3), then u = t Gᵀ (4×4), G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1].
            float t[4][3];
            for (int j = 0; j < 3; j++) {
                t[0][j] = g[j];
                t[1][j] = 0.5f * (g[j] + g[3 + j] + g[6 + j]);
                t[2][j] = 0.5f * (g[j] - g[3 + j] + g[6 + j]);
                t[3][j] = g[6 + j];
            }
            for (int i = 0; i < 4; i++) {
                float u[4] = {t[i][0], 0.5f * (t[i][0] + t[i][1] + t[i][2]), 0.5f * (t[i][0] - t[i][1] + t[i][2]), t[i][2]};
                for (int j = 0; j < 4; j++) {
                    size_t at = (((size_t)(i * 4 + j) * panels + co / vector_width) * in_channels + ci) * vector_width;
                    packed[at + co % vector_width] = u[j];
                }
            }
        }
    }
}

size_t bk_winograd_scratch_count(int out_channels, int in_channels, int height, int width, int vector_width) {
    (void)out_channels;
    size_t tiles = (size_t)ceil_half(height) * ceil_half(width);
    return 16 * tiles * ((size_t)in_channels + vector_width);
}

// V[position][in channel][tile] = Bᵀ d B for every 4×4 input tile d (rows 2ty−1 … 2ty+2, zero outside),
// Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1].
static void transform_input(const float *input, int in_channels, int height, int width, float *v) {
    int th = ceil_half(height), tw = ceil_half(width);
    size_t tiles = (size_t)th * tw;
    for (int ci = 0; ci < in_channels; ci++) {
        const float *plane = input + (size_t)ci * height * width;
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
                    for (int j = 0; j < 4; j++) v[((size_t)(i * 4 + j) * in_channels + ci) * tiles + tile] = row[j];
                }
            }
        }
    }
}

// output = bias + Aᵀ m A for each tile of the lanes' output channels, Aᵀ = [1 1 1 0; 0 1 −1 −1]; m is
// [position][tile][vector_width], as the products store it.
static void transform_output(
    const float *m, int vector_width, int first_channel, int lanes, const float *bias, int height, int width, int relu,
    float *output) {
    int th = ceil_half(height), tw = ceil_half(width);
    size_t tiles = (size_t)th * tw;
    for (int lane = 0; lane < lanes; lane++) {
        int co = first_channel + lane;
        float *plane = output + (size_t)co * height * width;
        for (int ty = 0; ty < th; ty++) {
            for (int tx = 0; tx < tw; tx++) {
                size_t tile = (size_t)ty * tw + tx;
                float q[4][4];
                for (int k = 0; k < 16; k++) q[k / 4][k % 4] = m[((size_t)k * tiles + tile) * vector_width + lane];
                float s[2][4];
                for (int j = 0; j < 4; j++) {
                    s[0][j] = q[0][j] + q[1][j] + q[2][j];
                    s[1][j] = q[1][j] - q[2][j] - q[3][j];
                }
                for (int i = 0; i < 2; i++) {
                    int y = 2 * ty + i;
                    if (y >= height) break;
                    float pair[2] = {bias[co] + (s[i][0] + s[i][1] + s[i][2]), bias[co] + (s[i][1] - s[i][2] - s[i][3])};
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

typedef void (*product_function)(const float *panel, const float *right, int depth, int column_stride, int columns, float *out);

#define BK_CONCAT2(a, b) a##b
#define BK_CONCAT(a, b) BK_CONCAT2(a, b)

#if defined(__x86_64__)
#define BK_SUFFIX _avx512
#define BK_TARGET "avx512f"
#define BK_WIDTH 16
#define BK_BLOCK 13 // 13 accumulators + the filter row + a spare of 32 registers
#include "panel_product_template.h"
#undef BK_SUFFIX
#undef BK_TARGET
#undef BK_WIDTH
#undef BK_BLOCK

#define BK_SUFFIX _avx2
#define BK_TARGET "avx2,fma"
#define BK_WIDTH 8
#define BK_BLOCK 12 // 12 accumulators + the filter row + a broadcast of 16 registers
#include "panel_product_template.h"
#undef BK_SUFFIX
#undef BK_TARGET
#undef BK_WIDTH
#undef BK_BLOCK
#endif

static product_function product_for(int vector_width) {
#if defined(__x86_64__)
    if (vector_width == 16) return product_avx512;
    if (vector_width == 8) return product_avx2;
#endif
    (void)vector_width;
    return 0;
}

int bk_supports_vector_width(int vector_width) { return product_for(vector_width) != 0; }

size_t bk_panels_count(int rows, int depth, int vector_width) {
    return (size_t)panel_count(rows, vector_width) * depth * vector_width;
}

void bk_pack_panels(const float *matrix, int rows, int depth, int vector_width, float *packed) {
    memset(packed, 0, bk_panels_count(rows, depth, vector_width) * sizeof(float));
    for (int r = 0; r < rows; r++) {
        float *panel = packed + (size_t)(r / vector_width) * depth * vector_width + r % vector_width;
        for (int d = 0; d < depth; d++) panel[(size_t)d * vector_width] = matrix[(size_t)r * depth + d];
    }
}

void bk_panel_product(
    int vector_width, const float *panel, int depth, const float *right, int column_stride, int columns, float *out) {
    product_function product = product_for(vector_width);
    if (product) product(panel, right, depth, column_stride, columns, out);
}

void bk_winograd_conv3x3(
    int vector_width, const float *packed, const float *bias, const float *input, int in_channels, int out_channels,
    int height, int width, int relu, float *scratch, float *output) {
    product_function product = product_for(vector_width);
    if (!product) return;
    size_t tiles = (size_t)ceil_half(height) * ceil_half(width);
    float *v = scratch;
    float *m = scratch + 16 * tiles * in_channels;
    transform_input(input, in_channels, height, width, v);
    int panels = panel_count(out_channels, vector_width);
    size_t panel_floats = (size_t)in_channels * vector_width;
    // Per panel of output channels: the 16 products into m (a few KiB, stays in L1), then its output tiles.
    for (int p = 0; p < panels; p++) {
        for (int k = 0; k < 16; k++) {
            product(packed + ((size_t)k * panels + p) * panel_floats, v + (size_t)k * in_channels * tiles, in_channels,
                (int)tiles, (int)tiles, m + (size_t)k * tiles * vector_width);
        }
        int first = p * vector_width;
        int lanes = out_channels - first < vector_width ? out_channels - first : vector_width;
        transform_output(m, vector_width, first, lanes, bias, height, width, relu, output);
    }
}
