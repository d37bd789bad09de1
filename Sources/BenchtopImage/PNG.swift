import BenchtopCore
internal import CZlib
import Foundation

/// PNG encoding and decoding (zlib), for camera images, depth maps and screenshots.
public enum PNG {
    /// A decoded PNG: samples row-major, top row first, `channels` per pixel, each 8- or 16-bit (widened to UInt16).
    public struct Decoded: Sendable, Equatable {
        public var width: Int
        public var height: Int
        /// 1 gray, 2 gray + alpha, 3 RGB, 4 RGBA.
        public var channels: Int
        public var bitDepth: Int
        public var samples: [UInt16]
    }

    /// Errors reading a PNG; `offset` is the byte offset in the file where the problem was found.
    public struct FormatError: Error, CustomStringConvertible, Equatable {
        public var offset: Int
        public var message: String
        public var description: String { "PNG byte \(offset): \(message)" }
    }

    private static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Encodes an 8-bit RGB image.
    public static func encode(_ image: RGBImage, compressionLevel: Int = 6) -> Data {
        encode(
            width: image.width, height: image.height, colorType: 2, bitDepth: 8, bytesPerPixel: 3,
            raw: image.pixels, level: compressionLevel)
    }

    /// Encodes 8-bit RGBA pixels (width * height * 4 bytes, top row first).
    public static func encodeRGBA(width: Int, height: Int, pixels: [UInt8], compressionLevel: Int = 6) -> Data {
        precondition(pixels.count == width * height * 4)
        return encode(width: width, height: height, colorType: 6, bitDepth: 8, bytesPerPixel: 4, raw: pixels, level: compressionLevel)
    }

    /// Encodes 8-bit gray samples.
    public static func encodeGray8(width: Int, height: Int, samples: [UInt8]) -> Data {
        precondition(samples.count == width * height)
        return encode(width: width, height: height, colorType: 0, bitDepth: 8, bytesPerPixel: 1, raw: samples, level: 6)
    }

    /// Encodes 16-bit gray samples (big-endian in the file, as PNG requires); e.g. depth in millimetres.
    public static func encodeGray16(width: Int, height: Int, samples: [UInt16]) -> Data {
        precondition(samples.count == width * height)
        var raw = [UInt8](repeating: 0, count: samples.count * 2)
        for (i, s) in samples.enumerated() {
            raw[2 * i] = UInt8(s >> 8)
            raw[2 * i + 1] = UInt8(s & 0xFF)
        }
        return encode(width: width, height: height, colorType: 0, bitDepth: 16, bytesPerPixel: 2, raw: raw, level: 6)
    }

    /// Writes an RGB image to a file.
    public static func write(_ image: RGBImage, to path: String) throws {
        try encode(image).write(to: URL(fileURLWithPath: path))
    }

    private static func encode(
        width: Int, height: Int, colorType: UInt8, bitDepth: UInt8, bytesPerPixel: Int,
        raw: [UInt8], level: Int
    ) -> Data {
        let stride = width * bytesPerPixel
        // Filter type 1 (Sub) on every row: cheap and compresses smooth renders well.
        var filtered = [UInt8](repeating: 0, count: (stride + 1) * height)
        raw.withUnsafeBufferPointer { src in
            filtered.withUnsafeMutableBufferPointer { dst in
                for y in 0..<height {
                    let s = y * stride
                    let d = y * (stride + 1)
                    dst[d] = 1
                    for x in 0..<stride {
                        let left = x >= bytesPerPixel ? src[s + x - bytesPerPixel] : 0
                        dst[d + 1 + x] = src[s + x] &- left
                    }
                }
            }
        }
        var out = Data(signature)
        var header = Data()
        header.appendBigEndian(UInt32(width))
        header.appendBigEndian(UInt32(height))
        header.append(contentsOf: [bitDepth, colorType, 0, 0, 0])
        appendChunk(&out, "IHDR", header)
        appendChunk(&out, "IDAT", deflate(filtered, level: level))
        appendChunk(&out, "IEND", Data())
        return out
    }

    private static func appendChunk(_ out: inout Data, _ type: String, _ body: Data) {
        out.appendBigEndian(UInt32(body.count))
        var typed = Data(type.utf8)
        typed.append(body)
        out.append(typed)
        let crc = typed.withUnsafeBytes { crc32(0, $0.bindMemory(to: UInt8.self).baseAddress, uInt($0.count)) }
        out.appendBigEndian(UInt32(crc))
    }

    private static func deflate(_ bytes: [UInt8], level: Int) -> Data {
        var bound = compressBound(uLong(bytes.count))
        var out = [UInt8](repeating: 0, count: Int(bound))
        let status = compress2(&out, &bound, bytes, uLong(bytes.count), Int32(level))
        precondition(status == Z_OK, "zlib compress2 failed with \(status)")
        return Data(out.prefix(Int(bound)))
    }

    // MARK: - Decoding

    /// Decodes a non-interlaced PNG of any colour type except palette, 8 or 16 bits per sample.
    public static func decode(_ data: Data) throws -> Decoded {
        let bytes = [UInt8](data)
        guard bytes.count >= 8, Array(bytes[0..<8]) == signature else {
            throw FormatError(offset: 0, message: "not a PNG file (bad signature)")
        }
        var offset = 8
        var width = 0
        var height = 0
        var bitDepth = 0
        var colorType = -1
        var idat = [UInt8]()
        var sawEnd = false
        while !sawEnd {
            guard offset + 8 <= bytes.count else {
                throw FormatError(offset: offset, message: "file ends after \(bytes.count) bytes, before the IEND chunk (truncated)")
            }
            let length = Int(readBE32(bytes, offset))
            let type = String(decoding: bytes[(offset + 4)..<(offset + 8)], as: UTF8.self)
            guard offset + 12 + length <= bytes.count else {
                throw FormatError(offset: offset, message: "chunk '\(type)' of \(length) bytes runs past the end of the file")
            }
            let body = Array(bytes[(offset + 8)..<(offset + 8 + length)])
            switch type {
            case "IHDR":
                guard length == 13 else { throw FormatError(offset: offset, message: "IHDR must be 13 bytes, is \(length)") }
                width = Int(readBE32(body, 0))
                height = Int(readBE32(body, 4))
                bitDepth = Int(body[8])
                colorType = Int(body[9])
                guard body[12] == 0 else { throw FormatError(offset: offset + 20, message: "interlaced PNGs are not supported") }
                guard bitDepth == 8 || bitDepth == 16 else {
                    throw FormatError(offset: offset + 16, message: "bit depth \(bitDepth) not supported; expected 8 or 16")
                }
                guard [0, 2, 4, 6].contains(colorType) else {
                    throw FormatError(offset: offset + 17, message: "colour type \(colorType) not supported; expected gray, RGB, gray+alpha or RGBA")
                }
            case "IDAT": idat += body
            case "IEND": sawEnd = true
            default: break
            }
            offset += 12 + length
        }
        guard colorType >= 0 else { throw FormatError(offset: 8, message: "missing IHDR chunk") }
        let channels = [0: 1, 2: 3, 4: 2, 6: 4][colorType]!
        let bpp = channels * bitDepth / 8
        let stride = width * bpp
        var raw = [UInt8](repeating: 0, count: (stride + 1) * height)
        var rawLength = uLongf(raw.count)
        let status = uncompress(&raw, &rawLength, idat, uLong(idat.count))
        guard status == Z_OK, Int(rawLength) == raw.count else {
            throw FormatError(offset: 8, message: "image data does not inflate to \(raw.count) bytes (zlib status \(status))")
        }
        var pixels = [UInt8](repeating: 0, count: stride * height)
        for y in 0..<height {
            let filter = raw[y * (stride + 1)]
            let src = y * (stride + 1) + 1
            let dst = y * stride
            for x in 0..<stride {
                let a = x >= bpp ? Int(pixels[dst + x - bpp]) : 0
                let b = y > 0 ? Int(pixels[dst - stride + x]) : 0
                let c = (x >= bpp && y > 0) ? Int(pixels[dst - stride + x - bpp]) : 0
                let v = Int(raw[src + x])
                let predicted: Int
                switch filter {
                case 0: predicted = 0
                case 1: predicted = a
                case 2: predicted = b
                case 3: predicted = (a + b) / 2
                case 4:
                    let p = a + b - c
                    let pa = abs(p - a)
                    let pb = abs(p - b)
                    let pc = abs(p - c)
                    predicted = (pa <= pb && pa <= pc) ? a : (pb <= pc ? b : c)
                default: throw FormatError(offset: 8, message: "row \(y) has unknown filter type \(filter)")
                }
                pixels[dst + x] = UInt8((v + predicted) & 0xFF)
            }
        }
        var samples = [UInt16](repeating: 0, count: bitDepth == 8 ? pixels.count : pixels.count / 2)
        for i in 0..<samples.count {
            if bitDepth == 8 {
                samples[i] = UInt16(pixels[i])
            } else {
                let hi = UInt16(pixels[2 * i])
                let lo = UInt16(pixels[2 * i + 1])
                samples[i] = hi << 8 | lo
            }
        }
        return Decoded(width: width, height: height, channels: channels, bitDepth: bitDepth, samples: samples)
    }

    private static func readBE32(_ b: [UInt8], _ o: Int) -> UInt32 {
        UInt32(b[o]) << 24 | UInt32(b[o + 1]) << 16 | UInt32(b[o + 2]) << 8 | UInt32(b[o + 3])
    }
}

extension Data {
    mutating func appendBigEndian(_ v: UInt32) {
        append(contentsOf: [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)])
    }
}
