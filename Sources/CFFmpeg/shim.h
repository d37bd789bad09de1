// FFmpeg from Debian (libavcodec-dev libavformat-dev libswscale-dev), imported only by BenchtopDataset.
// Function-like macros (AVERROR) and fixed arrays (AVFrame.data) do not import well into Swift: small
// inline helpers expose them.
#pragma once
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
#include <libavutil/error.h>
#include <libavutil/imgutils.h>
#include <libavutil/log.h>
#include <libavutil/opt.h>
#include <libswscale/swscale.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline int bt_averror_eagain(void) {
    return AVERROR(EAGAIN);
}
static inline int bt_averror_eof(void) {
    return AVERROR_EOF;
}
static inline uint8_t* bt_frame_plane(AVFrame* f, int i) {
    return f->data[i];
}
static inline int bt_frame_linesize(const AVFrame* f, int i) {
    return f->linesize[i];
}
/// The stream's time base as numerator/denominator.
static inline AVRational bt_stream_time_base(const AVStream* s) {
    return s->time_base;
}
static inline AVStream* bt_format_stream(const AVFormatContext* c, unsigned i) {
    return c->streams[i];
}

// RGB24 to yuv420p for the encoder, in place of sws_scale: swscale 5.1 has no fast path for RGB24 input
// (0.25 ms per 256x256 frame against 0.03 ms here with AVX2), and the pass also counts the colour histogram
// of the dataset statistics, so each pixel is read once. BT.601 limited range (swscale's default; luma
// within 1 of it), chroma the mean of each 2x2 block (centre sited, as swscale's bilinear filter).
static inline __attribute__((always_inline)) void bt_rgb24_to_yuv420p_body(const uint8_t* rgb, ptrdiff_t stride,
                                                                           int width, int height, uint8_t* py, int ys,
                                                                           uint8_t* pu, int us, uint8_t* pv, int vs,
                                                                           int64_t* histogram) {
    // Four partial histograms (one per pixel of a 2x2 block): runs of equal values would otherwise make every
    // increment wait for the previous one.
    uint32_t counts[4][768];
    if (histogram) memset(counts, 0, sizeof counts);
    for (int j = 0; j + 1 < height; j += 2) {
        const uint8_t* r0 = rgb + (ptrdiff_t)j * stride;
        const uint8_t* r1 = r0 + stride;
        uint8_t* y0 = py + (ptrdiff_t)j * ys;
        uint8_t* y1 = y0 + ys;
        uint8_t* u = pu + (ptrdiff_t)(j / 2) * us;
        uint8_t* v = pv + (ptrdiff_t)(j / 2) * vs;
        for (int i = 0; i < width; i++) {
            const uint8_t* a = r0 + 3 * i;
            const uint8_t* b = r1 + 3 * i;
            y0[i] = (uint8_t)(((66 * a[0] + 129 * a[1] + 25 * a[2] + 128) >> 8) + 16);
            y1[i] = (uint8_t)(((66 * b[0] + 129 * b[1] + 25 * b[2] + 128) >> 8) + 16);
        }
        for (int i = 0; i + 1 < width; i += 2) {
            const uint8_t* a = r0 + 3 * i;
            const uint8_t* b = r1 + 3 * i;
            int r = a[0] + a[3] + b[0] + b[3], g = a[1] + a[4] + b[1] + b[4], bl = a[2] + a[5] + b[2] + b[5];
            u[i / 2] = (uint8_t)(((-38 * r - 74 * g + 112 * bl + 512) >> 10) + 128);
            v[i / 2] = (uint8_t)(((112 * r - 94 * g - 18 * bl + 512) >> 10) + 128);
        }
        if (histogram) {
            for (int i = 0; i + 1 < width; i += 2) {
                const uint8_t* a = r0 + 3 * i;
                const uint8_t* b = r1 + 3 * i;
                counts[0][a[0]]++, counts[0][256 + a[1]]++, counts[0][512 + a[2]]++;
                counts[1][a[3]]++, counts[1][256 + a[4]]++, counts[1][512 + a[5]]++;
                counts[2][b[0]]++, counts[2][256 + b[1]]++, counts[2][512 + b[2]]++;
                counts[3][b[3]]++, counts[3][256 + b[4]]++, counts[3][512 + b[5]]++;
            }
        }
    }
    if (histogram)
        for (int k = 0; k < 768; k++)
            histogram[k] += (int64_t)counts[0][k] + counts[1][k] + counts[2][k] + counts[3][k];
}
__attribute__((target("avx2"))) static void bt_rgb24_to_yuv420p_avx2(const uint8_t* rgb, ptrdiff_t stride, int width,
                                                                     int height, uint8_t* py, int ys, uint8_t* pu,
                                                                     int us, uint8_t* pv, int vs, int64_t* histogram) {
    bt_rgb24_to_yuv420p_body(rgb, stride, width, height, py, ys, pu, us, pv, vs, histogram);
}
static void bt_rgb24_to_yuv420p_baseline(const uint8_t* rgb, ptrdiff_t stride, int width, int height, uint8_t* py,
                                         int ys, uint8_t* pu, int us, uint8_t* pv, int vs, int64_t* histogram) {
    bt_rgb24_to_yuv420p_body(rgb, stride, width, height, py, ys, pu, us, pv, vs, histogram);
}
/// Converts even-sized packed RGB rows (`stride` bytes apart; negative walks bottom-up) into the yuv420p planes
/// (Y, U, V with their strides); with `histogram` (768 counts: R, G, B values) adds every pixel's values to it.
static inline void bt_rgb24_to_yuv420p(const uint8_t* rgb, ptrdiff_t stride, int width, int height, uint8_t* py, int ys,
                                       uint8_t* pu, int us, uint8_t* pv, int vs, int64_t* histogram) {
    if (__builtin_cpu_supports("avx2"))
        bt_rgb24_to_yuv420p_avx2(rgb, stride, width, height, py, ys, pu, us, pv, vs, histogram);
    else
        bt_rgb24_to_yuv420p_baseline(rgb, stride, width, height, py, ys, pu, us, pv, vs, histogram);
}
