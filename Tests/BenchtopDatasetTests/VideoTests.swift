import BenchtopCore
import Foundation
import Testing

@testable import BenchtopDataset

/// A synthetic camera image: a colour that changes with the frame and a moving square.
func syntheticImage(width: Int, height: Int, frame: Int, seed: Int = 0) -> RGBImage {
    var image = RGBImage(width: width, height: height, fill: (UInt8((40 + frame * 3 + seed * 50) % 256), 120, UInt8(200 - frame % 100)))
    let x0 = (frame * 5 + seed * 17) % (width - 32)
    let y0 = (frame * 3) % (height - 32)
    for y in y0..<(y0 + 32) { for x in x0..<(x0 + 32) { image[x, y] = (250, 250, 20) } }
    return image
}

@Suite struct VideoTests {
    @Test(arguments: VideoCodec.allCases)
    func everyFrameAtExactlyKOverFps(codec: VideoCodec) throws {
        try Interop.requireTools()
        let dir = try temporaryDirectory("video")
        let path = dir + "/cam.mp4"
        let fps = 30
        let n = 47
        let encoder = try VideoEncoder(path: path, width: 256, height: 192, fps: fps, settings: VideoSettings(codec: codec))
        for k in 0..<n { try encoder.encode(syntheticImage(width: 256, height: 192, frame: k)) }
        #expect(try encoder.finish() == n)

        // PyAV decodes every frame at k / fps.
        let json = try Interop.run(["video", path])
        #expect(json["frames"] as? Int == n)
        #expect(json["width"] as? Int == 256 && json["height"] as? Int == 192)
        #expect(json["pix_fmt"] as? String == "yuv420p")
        #expect(json["codec"] as? String == (codec == .h264 ? "h264" : "libdav1d") || json["codec"] as? String == codec.infoName)
        let times = json["times"] as? [Double] ?? []
        #expect(times.count == n)
        for (k, t) in times.enumerated() { #expect(abs(t - Double(k) / Double(fps)) <= 1e-4, "frame \(k) at \(t) s") }
        // First frame colour survives encoding (yuv420p, lossy): mean of R about 40 outside the square.
        let mean = json["first_mean_rgb"] as? [Double] ?? []
        let expected = Self.meanRGB(syntheticImage(width: 256, height: 192, frame: 0))
        for c in 0..<3 { #expect(abs(mean[c] - expected[c]) < 4, "channel \(c): \(mean[c]) vs \(expected[c])") }

        // Benchtop's own reader agrees.
        let info = try VideoReader.info(path: path)
        #expect(info.frameCount == n && info.width == 256 && info.height == 192 && info.pixelFormat == "yuv420p")
        for (k, t) in info.frameTimes.enumerated() { #expect(abs(t - Double(k) / Double(fps)) <= 1e-4) }
        var decoded = 0
        try VideoReader.decode(path: path) { k, image in
            let m = Self.meanRGB(image)
            let e = Self.meanRGB(syntheticImage(width: 256, height: 192, frame: k))
            for c in 0..<3 { #expect(abs(m[c] - e[c]) < 4, "frame \(k) channel \(c)") }
            decoded += 1
        }
        #expect(decoded == n)
    }

    static func meanRGB(_ image: RGBImage) -> [Double] {
        var s = [0.0, 0.0, 0.0]
        for i in stride(from: 0, to: image.pixels.count, by: 3) { for c in 0..<3 { s[c] += Double(image.pixels[i + c]) } }
        return s.map { $0 / Double(image.width * image.height) }
    }

    /// The encoder's own RGB to yuv420p conversion: flat colours come back from FFmpeg's decoder (swscale,
    /// BT.601 limited range) within 4 levels, a bottom-up buffer with a negative stride comes out upright, and
    /// the histogram counted in the same pass equals the one counted separately.
    @Test func colourConversionOrientationAndHistogram() throws {
        let dir = try temporaryDirectory("video-colour")
        let colours: [(UInt8, UInt8, UInt8)] = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (200, 120, 40), (16, 16, 16), (250, 250, 250)]
        let encoder = try VideoEncoder(path: dir + "/flat.mp4", width: 64, height: 48, fps: 10)
        for c in colours { try encoder.encode(RGBImage(width: 64, height: 48, fill: c)) }
        // Top half red, bottom half blue, stored bottom-up (as OpenGL reads back).
        var upright = RGBImage(width: 64, height: 48, fill: (255, 0, 0))
        for y in 24..<48 { for x in 0..<64 { upright[x, y] = (0, 0, 255) } }
        let row = 64 * 3
        var bottomUp: [UInt8] = []
        for y in stride(from: 47, through: 0, by: -1) { bottomUp += upright.pixels[(y * row)..<((y + 1) * row)] }
        try bottomUp.withUnsafeBufferPointer { try encoder.encode(rgb: $0.baseAddress! + 47 * 64 * 3, rowStride: -64 * 3) }
        try encoder.finish()
        var decoded: [RGBImage] = []
        try VideoReader.decode(path: dir + "/flat.mp4") { _, image in decoded.append(image) }
        #expect(decoded.count == colours.count + 1)
        for (k, c) in colours.enumerated() where k < decoded.count {
            let p = decoded[k][32, 24]
            for (got, want) in [(p.r, c.0), (p.g, c.1), (p.b, c.2)] { #expect(abs(Int(got) - Int(want)) <= 4, "colour \(k): \(p) vs \(c)") }
        }
        if let last = decoded.last {
            #expect(last[32, 4].r > 200 && last[32, 4].b < 50, "top row should be red: \(last[32, 4])")
            #expect(last[32, 44].b > 200 && last[32, 44].r < 50, "bottom row should be blue: \(last[32, 44])")
        }

        let image = syntheticImage(width: 256, height: 192, frame: 5)
        let counted = try VideoEncoder(path: dir + "/counted.mp4", width: 256, height: 192, fps: 10)
        var fused = ImageHistogram()
        try counted.encode(image, counting: &fused)
        try counted.encode(image, counting: &fused)
        try counted.finish()
        var separate = ImageHistogram()
        separate.add(image.pixels)
        separate.add(image.pixels)
        #expect(fused.bins == separate.bins && fused.frames == 2)
    }

    @Test func wrongSizeAndOddSizeAreRefused() throws {
        let dir = try temporaryDirectory("video-bad")
        #expect(throws: DatasetError.self) { try VideoEncoder(path: dir + "/a.mp4", width: 255, height: 256, fps: 30) }
        let e = try VideoEncoder(path: dir + "/b.mp4", width: 64, height: 64, fps: 30)
        let err = #expect(throws: DatasetError.self) { try e.encode(RGBImage(width: 32, height: 32)) }
        #expect(err?.description.contains("32x32") == true)
        // A non-video file gives an error naming it.
        try Data("not a video".utf8).write(to: URL(fileURLWithPath: dir + "/c.mp4"))
        let err2 = #expect(throws: DatasetError.self) { try VideoReader.info(path: dir + "/c.mp4") }
        #expect(err2?.file == dir + "/c.mp4")
    }
}
