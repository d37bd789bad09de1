import BenchtopCore
import BenchtopPolicy
import Foundation

/// A `--policy` spec or its options that cannot be used.
public struct PolicySpecError: Error, CustomStringConvertible, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// How a client treats failures of its server. Every value can be set per policy in its URL (`?timeout=120&retries=3`)
/// or for the run with `benchtop eval --policy-timeout ...`.
public struct RemoteSettings: Sendable, Equatable {
    /// Seconds allowed for one query (connect, send, inference, receive).
    public var timeout: Double
    /// Seconds allowed for queries until the server has answered one: a model's first inference compiles or warms
    /// up (JAX, CUDA graphs, vLLM) and takes far longer than the rest.
    public var firstCallTimeout: Double
    /// Extra attempts after a refused or dropped connection, or an HTTP 502/503/504.
    public var retries: Int
    /// Seconds to wait before the first retry; doubled for each further one (at most 1 s).
    public var retryDelay: Double
    /// Once the server has answered, seconds to keep reconnecting after a refused or dropped connection (a server
    /// restart) before the episode fails; until then only `retries` apply, so a mistyped host fails fast.
    public var reconnectBudget: Double
    /// Largest answer accepted, bytes; a larger one fails the query with an error naming the limit.
    public var maxResponseBytes: Int

    public init(
        timeout: Double = 60, retries: Int = 2, retryDelay: Double = 0.2, firstCallTimeout: Double = 300,
        reconnectBudget: Double = 30, maxResponseBytes: Int = 16 << 20
    ) {
        self.timeout = timeout
        self.retries = retries
        self.retryDelay = retryDelay
        self.firstCallTimeout = firstCallTimeout
        self.reconnectBudget = reconnectBudget
        self.maxResponseBytes = maxResponseBytes
    }

    /// The URL query options these settings read (`timeout`, `first_timeout`, `retries`, `retry_delay`, `reconnect`,
    /// `max_response_mb`).
    public static let queryOptions = ["timeout", "first_timeout", "retries", "retry_delay", "reconnect", "max_response_mb"]

    /// These settings with the URL's options applied; `kind` names the client in errors.
    public func applying(query: [String: String], kind: String) throws -> RemoteSettings {
        var s = self
        func seconds(_ key: String, minimum: Double) throws -> Double? {
            guard let v = query[key] else { return nil }
            guard let d = Double(v), d.isFinite, d >= minimum else {
                throw PolicySpecError("\(kind) option \(key)=\(v): expected a number of seconds >= \(minimum)")
            }
            return d
        }
        if let v = try seconds("timeout", minimum: 0.001) { s.timeout = v }
        if let v = try seconds("first_timeout", minimum: 0.001) { s.firstCallTimeout = v }
        if let v = try seconds("retry_delay", minimum: 0) { s.retryDelay = v }
        if let v = try seconds("reconnect", minimum: 0) { s.reconnectBudget = v }
        if let v = query["retries"] {
            guard let n = Int(v), n >= 0 else { throw PolicySpecError("\(kind) option retries=\(v): expected an integer >= 0") }
            s.retries = n
        }
        if let v = try seconds("max_response_mb", minimum: 0.001) { s.maxResponseBytes = Int(v * 1_048_576) }
        return s
    }
}

/// Whether a client's server has answered a query yet: before, queries get the first-call time-out and failures
/// only the plain retries; after, the reconnect budget.
final class ServerLink {
    let settings: RemoteSettings
    var answered = false
    init(_ settings: RemoteSettings) { self.settings = settings }
    /// The time-out for the next query.
    var queryTimeout: Double { answered ? settings.timeout : max(settings.timeout, settings.firstCallTimeout) }
}

/// Runs `body`, retrying transport failures before any answer; maps transport errors to `PolicyError`. `limit` is
/// the time-out in force (for the message); `link` enables the reconnect budget once its server has answered.
func withRetries<T>(
    _ settings: RemoteSettings, server: String, link: ServerLink? = nil, limit: Double? = nil,
    _ body: () throws -> T
) throws -> T {
    var delay = settings.retryDelay
    var attempt = 0
    var firstFailure: Double?
    func mayRetry() -> Bool {
        if attempt < settings.retries { return true }
        guard let link, link.answered else { return false }
        let start = firstFailure ?? monotonicSeconds()
        return monotonicSeconds() - start + delay <= settings.reconnectBudget
    }
    func pause() {
        if firstFailure == nil { firstFailure = monotonicSeconds() }
        attempt += 1
        Thread.sleep(forTimeInterval: delay)
        delay = min(max(delay * 2, 0.05), 1)
    }
    func attempts() -> String {
        let budget = link?.answered == true ? ", reconnect budget \(settings.reconnectBudget) s" : ""
        return "after \(attempt + 1) attempts\(budget)"
    }
    while true {
        do {
            return try body()
        } catch let e as TransportError {
            switch e {
            case .timeout(let s):
                throw PolicyError.timeout("\(server): \(s) (limit \(limit ?? settings.timeout) s)")
            case .connect, .closed:
                if mayRetry() {
                    pause()
                    continue
                }
                throw PolicyError.server("\(server): \(e) (\(attempts()))")
            case .resolve:
                if attempt < settings.retries {
                    pause()
                    continue
                }
                throw PolicyError.server("\(server): \(e) (\(attempts()))")
            default:
                throw PolicyError.server("\(server): \(e)")
            }
        } catch RetryableHTTPStatus.status(let code, let detail) {
            if mayRetry() {
                pause()
                continue
            }
            throw PolicyError.server("\(server): HTTP \(code): \(detail) (\(attempts()))")
        }
    }
}

enum RetryableHTTPStatus: Error { case status(Int, String) }

/// Turns a non-200 HTTP answer into the error to throw (retryable for gateway/unavailable statuses).
func checkStatus(_ r: HTTPResponse) throws {
    guard r.status != 200 else { return }
    var detail = String(decoding: r.body.prefix(2000), as: UTF8.self)
    if let j = try? JSONValue.parse(r.body) {
        if let e = j["error"] {
            detail = e.string ?? String(decoding: e.bytes, as: UTF8.self)
        } else if let d = j["detail"] {
            detail = d.string ?? String(decoding: d.bytes, as: UTF8.self)
        }
    }
    if [502, 503, 504].contains(r.status) { throw RetryableHTTPStatus.status(r.status, detail) }
    throw PolicyError.server("HTTP \(r.status): \(detail)")
}

/// Resizes an image to `width` x `height` by averaging the source pixels each target pixel covers (like
/// cv2.INTER_AREA when shrinking); nearest sample when enlarging.
func resized(_ image: RGBImage, width: Int, height: Int) -> RGBImage {
    if image.width == width && image.height == height { return image }
    var out = [UInt8](repeating: 0, count: width * height * 3)
    let sx = Double(image.width) / Double(width)
    let sy = Double(image.height) / Double(height)
    for y in 0..<height {
        let y0 = Int(Double(y) * sy)
        let y1 = max(y0 + 1, min(image.height, Int((Double(y + 1) * sy).rounded(.up))))
        for x in 0..<width {
            let x0 = Int(Double(x) * sx)
            let x1 = max(x0 + 1, min(image.width, Int((Double(x + 1) * sx).rounded(.up))))
            var acc = SIMD3<Double>(0, 0, 0)
            for yy in y0..<min(y1, image.height) {
                for xx in x0..<min(x1, image.width) {
                    let p = image[xx, yy]
                    acc += SIMD3(Double(p.r), Double(p.g), Double(p.b))
                }
            }
            let n = Double((min(y1, image.height) - y0) * (min(x1, image.width) - x0))
            let o = (y * width + x) * 3
            out[o] = UInt8((acc.x / n).rounded())
            out[o + 1] = UInt8((acc.y / n).rounded())
            out[o + 2] = UInt8((acc.z / n).rounded())
        }
    }
    return RGBImage(width: width, height: height, pixels: out)
}
