import BenchtopCore
internal import CFFmpeg
import Foundation

/// Video codecs for dataset cameras (yuv420p in mp4).
public enum VideoCodec: String, Sendable, CaseIterable, Codable {
    /// H.264 through libx264: plays everywhere, fast to encode (Benchtop's default).
    case h264
    /// AV1 through libsvtav1 (LeRobot's default): smaller files, slower to encode.
    case av1

    /// The FFmpeg encoder name.
    var encoderName: String { self == .h264 ? "libx264" : "libsvtav1" }
    /// The codec name LeRobot writes into `info.json` (`video.codec`).
    public var infoName: String { self == .h264 ? "h264" : "av1" }
}

/// Encoder settings; the defaults follow LeRobot's recorder (keyframe every 2 frames, no B-frames).
public struct VideoSettings: Sendable, Hashable, Codable {
    public var codec: VideoCodec
    /// Constant rate factor (quality; lower is better). Default 23 for H.264, 30 for AV1.
    public var crf: Int
    /// Encoder speed preset (libx264: "veryfast"; libsvtav1: "12").
    public var preset: String
    /// Keyframe interval in frames (LeRobot uses 2 for fast random access).
    public var keyframeInterval: Int
    /// Encoder threads per stream (0: FFmpeg chooses; streams also run in parallel on their own threads).
    public var threads: Int

    public init(codec: VideoCodec = .h264, crf: Int? = nil, preset: String? = nil, keyframeInterval: Int = 2, threads: Int = 0) {
        self.codec = codec
        self.crf = crf ?? (codec == .h264 ? 23 : 30)
        self.preset = preset ?? (codec == .h264 ? "veryfast" : "12")
        self.keyframeInterval = keyframeInterval
        self.threads = threads
    }
}

/// FFmpeg's text for an error code.
func ffmpegError(_ code: Int32) -> String {
    var buf = [CChar](repeating: 0, count: 256)
    av_strerror(code, &buf, 256)
    return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// Encodes RGB images into an mp4 file: constant frame rate, frame k at exactly k / fps seconds,
/// yuv420p, every packet one frame long (so the mp4 keeps the last frame).
public final class VideoEncoder {
    public let path: String
    public let width: Int
    public let height: Int
    public let fps: Int
    public let settings: VideoSettings
    /// Frames encoded so far.
    public private(set) var frameCount = 0

    private var format: UnsafeMutablePointer<AVFormatContext>?
    private var context: UnsafeMutablePointer<AVCodecContext>?
    private var stream: UnsafeMutablePointer<AVStream>?
    private var frame: UnsafeMutablePointer<AVFrame>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    private var finished = false

    /// Opens the file and the encoder. Width and height must be even (yuv420p).
    public init(path: String, width: Int, height: Int, fps: Int, settings: VideoSettings = VideoSettings()) throws {
        self.path = path
        self.width = width
        self.height = height
        self.fps = fps
        self.settings = settings
        guard width > 0, height > 0, width % 2 == 0, height % 2 == 0 else {
            throw DatasetError(file: path, "video size \(width)x\(height) must be positive and even (yuv420p)")
        }
        guard fps > 0 else { throw DatasetError(file: path, "fps must be positive, got \(fps)") }
        av_log_set_level(AV_LOG_ERROR)
        if settings.codec == .av1 { setenv("SVT_LOG", "1", 0) }  // silence SVT-AV1's banner
        do { try open() } catch {
            release()
            throw error
        }
    }

    private func check(_ code: Int32, _ what: String) throws {
        if code < 0 { throw DatasetError(file: path, "\(what) failed: \(ffmpegError(code))") }
    }

    private func open() throws {
        try check(avformat_alloc_output_context2(&format, nil, "mp4", path), "creating the mp4 muxer")
        guard let codec = avcodec_find_encoder_by_name(settings.codec.encoderName) else {
            throw DatasetError(
                file: path, "FFmpeg has no \(settings.codec.encoderName) encoder (install Debian's libavcodec-dev with its codec libraries)")
        }
        guard let s = avformat_new_stream(format, nil), let c = avcodec_alloc_context3(codec) else {
            throw DatasetError(file: path, "cannot allocate the video stream")
        }
        stream = s
        context = c
        c.pointee.width = Int32(width)
        c.pointee.height = Int32(height)
        c.pointee.time_base = AVRational(num: 1, den: Int32(fps))
        c.pointee.framerate = AVRational(num: Int32(fps), den: 1)
        c.pointee.pix_fmt = AV_PIX_FMT_YUV420P
        c.pointee.gop_size = Int32(settings.keyframeInterval)
        c.pointee.max_b_frames = 0
        c.pointee.thread_count = Int32(settings.threads)
        if format!.pointee.oformat.pointee.flags & AVFMT_GLOBALHEADER != 0 { c.pointee.flags |= AV_CODEC_FLAG_GLOBAL_HEADER }
        _ = av_opt_set(c.pointee.priv_data, "preset", settings.preset, 0)
        _ = av_opt_set(c.pointee.priv_data, "crf", String(settings.crf), 0)
        if settings.codec == .h264 { _ = av_opt_set(c.pointee.priv_data, "x264-params", "log=-1", 0) }
        try check(avcodec_open2(c, codec, nil), "opening \(settings.codec.encoderName)")
        try check(avcodec_parameters_from_context(s.pointee.codecpar, c), "copying codec parameters")
        s.pointee.time_base = c.pointee.time_base
        try check(avio_open(&format!.pointee.pb, path, AVIO_FLAG_WRITE), "opening the output file")
        try check(avformat_write_header(format, nil), "writing the mp4 header")
        frame = av_frame_alloc()
        packet = av_packet_alloc()
        guard let f = frame, packet != nil else { throw DatasetError(file: path, "cannot allocate frames") }
        f.pointee.format = AV_PIX_FMT_YUV420P.rawValue
        f.pointee.width = Int32(width)
        f.pointee.height = Int32(height)
        try check(av_frame_get_buffer(f, 0), "allocating the frame")
    }

    /// Encodes one image (top row first) as the next video frame.
    public func encode(_ image: RGBImage) throws {
        try checkSize(image)
        try image.pixels.withUnsafeBufferPointer { try encode(rgb: $0.baseAddress!, rowStride: width * 3, histogram: nil) }
    }

    /// Encodes one image and adds its pixels to `histogram` in the same pass over the pixels.
    func encode(_ image: RGBImage, counting histogram: inout ImageHistogram) throws {
        try checkSize(image)
        try image.pixels.withUnsafeBufferPointer { rgb in
            try histogram.counting { try encode(rgb: rgb.baseAddress!, rowStride: width * 3, histogram: $0) }
        }
    }

    private func checkSize(_ image: RGBImage) throws {
        guard image.width == width, image.height == height else {
            throw DatasetError(
                file: path, location: "frame \(frameCount)",
                "image is \(image.width)x\(image.height), the video is \(width)x\(height)")
        }
    }

    /// Encodes one frame from packed RGB24 rows; a negative `rowStride` with `rgb` at the last row flips
    /// bottom-up (OpenGL) images.
    public func encode(rgb: UnsafePointer<UInt8>, rowStride: Int) throws {
        try encode(rgb: rgb, rowStride: rowStride, histogram: nil)
    }

    private func encode(rgb: UnsafePointer<UInt8>, rowStride: Int, histogram: UnsafeMutablePointer<Int64>?) throws {
        precondition(!finished, "VideoEncoder.encode after finish")
        guard let f = frame, let c = context else { return }
        try check(av_frame_make_writable(f), "making the frame writable")
        // RGB to yuv420p (and the histogram) in one pass; see shim.h for why not sws_scale.
        bt_rgb24_to_yuv420p(
            rgb, rowStride, Int32(width), Int32(height), bt_frame_plane(f, 0), bt_frame_linesize(f, 0), bt_frame_plane(f, 1),
            bt_frame_linesize(f, 1), bt_frame_plane(f, 2), bt_frame_linesize(f, 2), histogram)
        f.pointee.pts = Int64(frameCount)
        try check(avcodec_send_frame(c, f), "encoding frame \(frameCount)")
        frameCount += 1
        try drain()
    }

    private func drain() throws {
        guard let c = context, let p = packet, let s = stream else { return }
        while true {
            let r = avcodec_receive_packet(c, p)
            if r == bt_averror_eagain() || r == bt_averror_eof() { return }
            try check(r, "receiving an encoded packet")
            p.pointee.duration = 1  // one frame, before rescaling: keeps the last frame in the mp4's edit list
            av_packet_rescale_ts(p, c.pointee.time_base, bt_stream_time_base(s))
            p.pointee.stream_index = s.pointee.index
            let w = av_interleaved_write_frame(format, p)
            av_packet_unref(p)
            try check(w, "writing a packet")
        }
    }

    /// Flushes the encoder, writes the mp4 trailer and closes the file; returns the number of frames.
    @discardableResult
    public func finish() throws -> Int {
        guard !finished else { return frameCount }
        finished = true
        defer { release() }
        try check(avcodec_send_frame(context, nil), "flushing the encoder")
        try drain()
        try check(av_write_trailer(format), "writing the mp4 trailer")
        return frameCount
    }

    private func release() {
        if frame != nil { av_frame_free(&frame) }
        if packet != nil { av_packet_free(&packet) }
        if context != nil { avcodec_free_context(&context) }
        if let f = format {
            if f.pointee.pb != nil { avio_closep(&f.pointee.pb) }
            avformat_free_context(f)
            format = nil
        }
    }

    deinit { release() }
}

// MARK: - Reading

/// What a video file holds: stream parameters and each frame's presentation time (from packets; no decoding).
public struct VideoInfo: Sendable, Hashable {
    public var codec: String
    public var width: Int
    public var height: Int
    public var pixelFormat: String
    /// Presentation time of every frame in seconds, ascending.
    public var frameTimes: [Double]
    public var frameCount: Int { frameTimes.count }
}

/// Reads mp4 files written by `VideoEncoder` (or any FFmpeg-readable video).
public enum VideoReader {
    private final class Input {
        var format: UnsafeMutablePointer<AVFormatContext>?
        var streamIndex: Int32 = -1
        var decoder: UnsafePointer<AVCodec>?
        deinit { if format != nil { avformat_close_input(&format) } }
    }

    private static func open(_ path: String) throws -> Input {
        av_log_set_level(AV_LOG_ERROR)
        let input = Input()
        var r = avformat_open_input(&input.format, path, nil, nil)
        guard r >= 0 else { throw DatasetError(file: path, "cannot open the video: \(ffmpegError(r))") }
        r = avformat_find_stream_info(input.format, nil)
        guard r >= 0 else { throw DatasetError(file: path, "cannot read the stream information: \(ffmpegError(r))") }
        var decoder: UnsafePointer<AVCodec>?
        r = av_find_best_stream(input.format, AVMEDIA_TYPE_VIDEO, -1, -1, &decoder, 0)
        guard r >= 0 else { throw DatasetError(file: path, "no video stream: \(ffmpegError(r))") }
        input.streamIndex = r
        input.decoder = decoder
        return input
    }

    /// Stream parameters and frame times, read from the container's packets.
    public static func info(path: String) throws -> VideoInfo {
        let input = try open(path)
        let s = bt_format_stream(input.format, UInt32(input.streamIndex))!
        let par = s.pointee.codecpar.pointee
        let tb = bt_stream_time_base(s)
        var times: [Double] = []
        var p = av_packet_alloc()
        defer { av_packet_free(&p) }
        while av_read_frame(input.format, p) >= 0 {
            if p!.pointee.stream_index == input.streamIndex {
                let t = p!.pointee.pts != Int64.min ? p!.pointee.pts : p!.pointee.dts
                times.append(Double(t) * Double(tb.num) / Double(tb.den))
            }
            av_packet_unref(p)
        }
        times.sort()
        let codecName = String(cString: avcodec_get_name(par.codec_id))
        let pix = av_get_pix_fmt_name(AVPixelFormat(rawValue: par.format)).map { String(cString: $0) } ?? "unknown"
        return VideoInfo(codec: codecName, width: Int(par.width), height: Int(par.height), pixelFormat: pix, frameTimes: times)
    }

    /// Decodes every frame to RGB (top row first), calling `body` with the frame index and image.
    public static func decode(path: String, _ body: (Int, RGBImage) throws -> Void) throws {
        let input = try open(path)
        let s = bt_format_stream(input.format, UInt32(input.streamIndex))!
        var ctx = avcodec_alloc_context3(input.decoder)
        defer { avcodec_free_context(&ctx) }
        guard avcodec_parameters_to_context(ctx, s.pointee.codecpar) >= 0, avcodec_open2(ctx, input.decoder, nil) >= 0 else {
            throw DatasetError(file: path, "cannot open the video decoder")
        }
        var p = av_packet_alloc()
        var f = av_frame_alloc()
        defer {
            av_packet_free(&p)
            av_frame_free(&f)
        }
        var scaler: OpaquePointer?
        defer { if scaler != nil { sws_freeContext(scaler) } }
        var index = 0
        func receive() throws {
            while true {
                let r = avcodec_receive_frame(ctx, f)
                if r == bt_averror_eagain() || r == bt_averror_eof() { return }
                guard r >= 0 else { throw DatasetError(file: path, location: "frame \(index)", "decoding failed: \(ffmpegError(r))") }
                let w = Int(f!.pointee.width)
                let h = Int(f!.pointee.height)
                scaler = sws_getCachedContext(
                    scaler, Int32(w), Int32(h), AVPixelFormat(rawValue: f!.pointee.format),
                    Int32(w), Int32(h), AV_PIX_FMT_RGB24, SWS_BILINEAR, nil, nil, nil)
                var image = RGBImage(width: w, height: h)
                image.pixels.withUnsafeMutableBufferPointer { buf in
                    var src: [UnsafePointer<UInt8>?] = (0..<4).map { UnsafePointer(bt_frame_plane(f, Int32($0))) }
                    var srcStride: [Int32] = (0..<4).map { bt_frame_linesize(f, Int32($0)) }
                    var dst: [UnsafeMutablePointer<UInt8>?] = [buf.baseAddress, nil, nil, nil]
                    var dstStride: [Int32] = [Int32(w * 3), 0, 0, 0]
                    _ = sws_scale(scaler, &src, &srcStride, 0, Int32(h), &dst, &dstStride)
                }
                try body(index, image)
                index += 1
                av_frame_unref(f)
            }
        }
        while av_read_frame(input.format, p) >= 0 {
            if p!.pointee.stream_index == input.streamIndex {
                let r = avcodec_send_packet(ctx, p)
                av_packet_unref(p)
                guard r >= 0 else { throw DatasetError(file: path, location: "packet \(index)", "decoding failed: \(ffmpegError(r))") }
                try receive()
            } else {
                av_packet_unref(p)
            }
        }
        _ = avcodec_send_packet(ctx, nil)
        try receive()
    }
}
