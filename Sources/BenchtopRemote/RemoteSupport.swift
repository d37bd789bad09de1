import BenchtopCore
import BenchtopPolicy
import Foundation

/// A `--policy` spec or its options that cannot be used.
public struct PolicySpecError: Error, CustomStringConvertible, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// How a client treats failures of its server.
public struct RemoteSettings: Sendable {
    /// Seconds allowed for one query (connect, send, inference, receive).
    public var timeout: Double
    /// Extra attempts after a refused or dropped connection, or an HTTP 502/503/504.
    public var retries: Int
    /// Seconds to wait before the first retry; doubled for each further one.
    public var retryDelay: Double
    public init(timeout: Double = 60, retries: Int = 2, retryDelay: Double = 0.2) {
        self.timeout = timeout; self.retries = retries; self.retryDelay = retryDelay
    }
}

/// Runs `body`, retrying transport failures before any answer; maps transport errors to `PolicyError`.
func withRetries<T>(_ settings: RemoteSettings, server: String, _ body: () throws -> T) throws -> T {
    var delay = settings.retryDelay
    var attempt = 0
    while true {
        do {
            return try body()
        } catch let e as TransportError {
            switch e {
            case .timeout(let s):
                throw PolicyError.timeout("\(server): \(s) (limit \(settings.timeout) s)")
            case .connect, .closed, .resolve:
                if attempt < settings.retries {
                    attempt += 1
                    Thread.sleep(forTimeInterval: delay); delay *= 2
                    continue
                }
                throw PolicyError.server("\(server): \(e) (after \(attempt + 1) attempts)")
            default:
                throw PolicyError.server("\(server): \(e)")
            }
        } catch RetryableHTTPStatus.status(let code, let detail) {
            if attempt < settings.retries {
                attempt += 1
                Thread.sleep(forTimeInterval: delay); delay *= 2
                continue
            }
            throw PolicyError.server("\(server): HTTP \(code): \(detail) (after \(attempt + 1) attempts)")
        }
    }
}

enum RetryableHTTPStatus: Error { case status(Int, String) }

/// Turns a non-200 HTTP answer into the error to throw (retryable for gateway/unavailable statuses).
func checkStatus(_ r: HTTPResponse) throws {
    guard r.status != 200 else { return }
    var detail = String(decoding: r.body.prefix(2000), as: UTF8.self)
    if let j = try? JSONValue.parse(r.body) {
        if let e = j["error"] { detail = e.string ?? String(decoding: e.bytes, as: UTF8.self) }
        else if let d = j["detail"] { detail = d.string ?? String(decoding: d.bytes, as: UTF8.self) }
    }
    if [502, 503, 504].contains(r.status) { throw RetryableHTTPStatus.status(r.status, detail) }
    throw PolicyError.server("HTTP \(r.status): \(detail)")
}

/// Resizes an image to `width` x `height` by averaging the source pixels each target pixel covers (like
/// cv2.INTER_AREA when shrinking); nearest sample when enlarging.
func resized(_ image: RGBImage, width: Int, height: Int) -> RGBImage {
    if image.width == width && image.height == height { return image }
    var out = [UInt8](repeating: 0, count: width * height * 3)
    let sx = Double(image.width) / Double(width), sy = Double(image.height) / Double(height)
    for y in 0..<height {
        let y0 = Int(Double(y) * sy), y1 = max(y0 + 1, min(image.height, Int((Double(y + 1) * sy).rounded(.up))))
        for x in 0..<width {
            let x0 = Int(Double(x) * sx), x1 = max(x0 + 1, min(image.width, Int((Double(x + 1) * sx).rounded(.up))))
            var acc = SIMD3<Double>(0, 0, 0)
            for yy in y0..<min(y1, image.height) {
                for xx in x0..<min(x1, image.width) {
                    let p = image[xx, yy]
                    acc += SIMD3(Double(p.r), Double(p.g), Double(p.b))
                }
            }
            let n = Double((min(y1, image.height) - y0) * (min(x1, image.width) - x0))
            let o = (y * width + x) * 3
            out[o] = UInt8((acc.x / n).rounded()); out[o + 1] = UInt8((acc.y / n).rounded()); out[o + 2] = UInt8((acc.z / n).rounded())
        }
    }
    return RGBImage(width: width, height: height, pixels: out)
}
