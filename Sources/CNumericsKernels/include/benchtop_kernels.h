// Benchtop's own vector kernels for the shapes where a general BLAS loses: pure C, plain float arrays in PyTorch's
// C×H×W layout, no allocation. Each entry point takes the vector width to run at (16: AVX-512F, 8: AVX2 + FMA),
// which the caller picks from the CPU's features; the code for both is compiled into one binary (function target
// attributes), so the package still builds for baseline x86-64. Results do not depend on the width: every output
// is accumulated over the input channels in the same order with fused multiply-adds.
#ifndef BENCHTOP_KERNELS_H
#define BENCHTOP_KERNELS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// 1 when this build carries kernels of `vector_width` floats (16 or 8) for x86-64; the caller checks the CPU.
int bk_supports_vector_width(int vector_width);

// MARK: - Products with a packed left matrix
//
// A weight matrix [rows][depth] is packed once into panels of `vector_width` rows ([panel][depth][lane]); each
// product then multiplies one panel by a right matrix [depth][columns] (row stride `column_stride`) and writes the
// result column-major within the panel: out[column][lane].

/// Floats of `rows` × `depth` packed in panels of `vector_width` rows (the last panel zero-padded).
size_t bk_panels_count(int rows, int depth, int vector_width);

/// Packs `matrix` ([rows][depth], row-major) into panels.
void bk_pack_panels(const float* matrix, int rows, int depth, int vector_width, float* packed);

/// For each of the first `panels` panels p of `packed` (a `bk_pack_panels` result of `depth` columns):
/// out[p][c][lane] = Σ_d packed[p][d][lane] · right[d · column_stride + c] for c < columns, panel p's result at
/// out + p · columns · vector_width. Panels run in pairs that share each load of `right`.
void bk_panels_product(int vector_width, const float* packed, int depth, int panels, const float* right,
                       int column_stride, int columns, float* out);

// MARK: - 3×3 convolution, stride 1, padding 1, by Winograd F(2×2, 3×3)
//
// Each 4×4 input tile d (stride 2, zero outside the image) becomes V = Bᵀ d B, each 3×3 filter g becomes
// U = G g Gᵀ, and each 2×2 output tile is Aᵀ (Σ_ci U ⊙ V) A: 16 products of [out × in] by [in × tiles] instead of
// one of [out × 9·in] by [9·in × pixels], 2.25× fewer multiply-adds. The transform coefficients (0, ±1, ±½) are
// exact in binary floating point.

/// Floats of the transformed, packed filters for `out_channels` × `in_channels` 3×3 filters.
size_t bk_winograd_packed_count(int out_channels, int in_channels, int vector_width);

/// Transforms `weight` ([out][in][3][3]) to U and packs it in panels of `vector_width` output channels.
void bk_winograd_pack(const float* weight, int out_channels, int in_channels, int vector_width, float* packed);

/// Floats of scratch memory `bk_winograd_conv3x3` needs for this shape.
size_t bk_winograd_scratch_count(int in_channels, int height, int width, int vector_width);

/// output[out][height][width] = bias + conv3×3(input[in][height][width]), clamped at zero when `relu` is non-zero.
/// `packed` comes from `bk_winograd_pack` with the same vector width.
void bk_winograd_conv3x3(int vector_width, const float* packed, const float* bias, const float* input, int in_channels,
                         int out_channels, int height, int width, int relu, float* scratch, float* output);

#ifdef __cplusplus
}
#endif

#endif
