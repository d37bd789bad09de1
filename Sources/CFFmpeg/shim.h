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
