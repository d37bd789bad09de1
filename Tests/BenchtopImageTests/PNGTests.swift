import BenchtopCore
import BenchtopImage
import Foundation
import Testing

@Suite struct PNGTests {
    @Test func rgbRoundTripsThroughEncodeAndDecode() throws {
        var image = RGBImage(width: 7, height: 5)
        var rng = SeededRandom(seed: 3)
        for i in 0..<image.pixels.count { image.pixels[i] = UInt8(rng.next() & 0xFF) }
        let decoded = try PNG.decode(PNG.encode(image))
        #expect(decoded.width == 7 && decoded.height == 5 && decoded.channels == 3 && decoded.bitDepth == 8)
        #expect(decoded.samples.map { UInt8($0) } == image.pixels)
    }

    @Test func gray16KeepsFullRange() throws {
        let samples: [UInt16] = [0, 1, 255, 256, 65535, 40000]
        let decoded = try PNG.decode(PNG.encodeGray16(width: 3, height: 2, samples: samples))
        #expect(decoded.bitDepth == 16 && decoded.channels == 1)
        #expect(decoded.samples == samples)
    }

    @Test func headerPutsWidthWhereReadersLook() throws {
        // The IHDR layout must be what every reader expects: width and height big-endian at bytes 16 and 20.
        let data = PNG.encode(RGBImage(width: 300, height: 2))
        let b = [UInt8](data)
        #expect(Array(b[12..<16]) == Array("IHDR".utf8))
        let width = b[16..<20].reduce(0) { $0 << 8 | Int($1) }
        #expect(width == 300)
    }

    @Test func truncatedFileNamesTheOffset() {
        var data = PNG.encode(RGBImage(width: 4, height: 4))
        data = data.prefix(40)
        #expect(throws: PNG.FormatError.self) { try PNG.decode(data) }
        do { _ = try PNG.decode(data) } catch let e as PNG.FormatError {
            #expect(e.offset == 33 && e.message.contains("truncated"))
        } catch { Issue.record("unexpected error \(error)") }
        #expect(throws: PNG.FormatError.self) { try PNG.decode(Data("GIF89a....".utf8)) }
    }

    @Test func turboRunsFromBlueToRed() {
        let cold = DepthColormap.turbo(0.15)
        let hot = DepthColormap.turbo(0.95)
        #expect(cold.2 > cold.0)
        #expect(hot.0 > hot.2)
        let depth = DepthImage(width: 2, height: 1, values: [0.5, 2.0])
        let c = DepthColormap.colorize(depth, near: 0.5, far: 2.0)
        #expect(c[0, 0].r > c[0, 0].b)  // near is warm
        #expect(c[1, 0].b > c[1, 0].r)  // far is cold
    }
}
