internal import CTurboJPEG
import Foundation

/// JPEG decoding through libjpeg-turbo (Debian's libturbojpeg), for mesh texture maps: asset libraries such as
/// pybullet_data ship their textures as JPEG.
public enum JPEG {
    /// A decoded JPEG as RGBA8, row-major, top row first (alpha 255).
    public struct Decoded: Sendable, Equatable {
        public var width: Int
        public var height: Int
        public var rgba: [UInt8]
    }

    /// Errors reading a JPEG: what libjpeg-turbo reported, or a size outside the caller's bound.
    public struct FormatError: Error, CustomStringConvertible, Equatable {
        public var message: String
        public var description: String { "JPEG: \(message)" }
    }

    /// True when `bytes` start with a JPEG's start-of-image marker.
    public static func isJPEG(_ bytes: Data) -> Bool { bytes.starts(with: [0xFF, 0xD8, 0xFF]) }

    /// Decodes `bytes`; the header's size is checked against `maxSide` before any pixel memory is allocated.
    /// Warnings (corrupt but recoverable data) are errors: a texture is either read as written or refused.
    public static func decode(_ bytes: Data, maxSide: Int) throws -> Decoded {
        guard let handle = tjInitDecompress() else { throw FormatError(message: "libjpeg-turbo could not start a decoder") }
        defer { tjDestroy(handle) }
        func failure(_ what: String) -> FormatError {
            let reason = tjGetErrorStr2(handle).map { String(cString: $0) } ?? "unknown error"
            return FormatError(message: "\(what): \(reason)")
        }
        return try bytes.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> Decoded in
            guard let base = raw.bindMemory(to: UInt8.self).baseAddress, raw.count > 0 else {
                throw FormatError(message: "no bytes")
            }
            let size = UInt(raw.count)
            var width: Int32 = 0
            var height: Int32 = 0
            var subsampling: Int32 = 0
            var colorspace: Int32 = 0
            guard tjDecompressHeader3(handle, base, size, &width, &height, &subsampling, &colorspace) == 0 else {
                throw failure("unreadable header")
            }
            guard width > 0, height > 0, Int(width) <= maxSide, Int(height) <= maxSide else {
                throw FormatError(message: "\(width)x\(height) pixels; expected 1 ... \(maxSide) a side")
            }
            let w = Int(width)
            let h = Int(height)
            var rgba = [UInt8](repeating: 255, count: w * h * 4)
            // Progressive files are limited to 500 scans (TJFLAG_LIMITSCANS), libjpeg-turbo's guard against scan bombs.
            let flags = Int32(TJFLAG_STOPONWARNING | TJFLAG_LIMITSCANS | TJFLAG_ACCURATEDCT)
            let status = rgba.withUnsafeMutableBufferPointer { out in
                tjDecompress2(handle, base, size, out.baseAddress, width, 0, height, Int32(TJPF_RGBA.rawValue), flags)
            }
            guard status == 0 else { throw failure("undecodable image data") }
            return Decoded(width: w, height: h, rgba: rgba)
        }
    }
}
