import Foundation

/// Statistics of one feature, per dimension (vectors) or per channel in [0, 1] (video, shape [3, 1, 1]):
/// what LeRobot's `stats.json` and episode metadata hold.
public struct FeatureStats: Sendable, Hashable {
    public var min: [Double]
    public var max: [Double]
    public var mean: [Double]
    public var std: [Double]
    /// Frames the statistics cover.
    public var count: Int
    /// q01, q10, q50, q90, q99 by key ("q01", ...).
    public var quantiles: [String: [Double]]
    /// Whether the values are per video channel (stored nested as [3][1][1]).
    public var isImage: Bool

    public static let quantileLevels: [(String, Double)] = [("q01", 0.01), ("q10", 0.10), ("q50", 0.50), ("q90", 0.90), ("q99", 0.99)]
    /// Stat keys in the order LeRobot lists them.
    public static let keys = ["min", "max", "mean", "std", "count", "q01", "q10", "q50", "q90", "q99"]

    func values(_ key: String) -> [Double] {
        switch key {
        case "min": return min
        case "max": return max
        case "mean": return mean
        case "std": return std
        case "count": return [Double(count)]
        default: return quantiles[key] ?? []
        }
    }

    /// Stats of `frames` rows of `dims` values (row-major), with exact quantiles (linear interpolation).
    static func of(_ data: [Double], dims: Int) -> FeatureStats {
        let n = dims == 0 ? 0 : data.count / dims
        var s = FeatureStats(min: [], max: [], mean: [], std: [], count: n, quantiles: [:], isImage: false)
        var qs = [[Double]](repeating: [], count: quantileLevels.count)
        var column = [Double](repeating: 0, count: n)
        for d in 0..<dims {
            for i in 0..<n { column[i] = data[i * dims + d] }
            column.sort()
            let mean = column.reduce(0, +) / Double(Swift.max(n, 1))
            let variance = column.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(Swift.max(n, 1))
            s.min.append(column.first ?? 0)
            s.max.append(column.last ?? 0)
            s.mean.append(mean)
            s.std.append(variance.squareRoot())
            for (k, (_, q)) in quantileLevels.enumerated() { qs[k].append(interpolatedQuantile(q, count: n) { column[$0] }) }
        }
        for (k, (key, _)) in quantileLevels.enumerated() { s.quantiles[key] = qs[k] }
        return s
    }

    /// numpy's default (linear) quantile of n sorted values read through `at`.
    static func interpolatedQuantile(_ q: Double, count n: Int, at: (Int) -> Double) -> Double {
        guard n > 0 else { return 0 }
        let p = q * Double(n - 1)
        let lo = Int(p.rounded(.down))
        let hi = Swift.min(lo + 1, n - 1)
        return at(lo) + (at(hi) - at(lo)) * (p - Double(lo))
    }

    /// Per-channel stats from 256-bin histograms of 8-bit pixels, scaled to [0, 1]; exact quantiles.
    static func ofHistograms(_ histograms: [[Int]], frames: Int) -> FeatureStats {
        var s = FeatureStats(min: [], max: [], mean: [], std: [], count: frames, quantiles: [:], isImage: true)
        var qs = [[Double]](repeating: [], count: quantileLevels.count)
        for h in histograms {
            let n = h.reduce(0, +)
            var sum = 0.0
            var sumSq = 0.0
            for (v, c) in h.enumerated() where c > 0 {
                sum += Double(v * c)
                sumSq += Double(v * v) * Double(c)
            }
            let mean = n > 0 ? sum / Double(n) : 0
            let variance = n > 0 ? Swift.max(0, sumSq / Double(n) - mean * mean) : 0
            s.min.append(Double(h.firstIndex { $0 > 0 } ?? 0) / 255)
            s.max.append(Double(h.lastIndex { $0 > 0 } ?? 0) / 255)
            s.mean.append(mean / 255)
            s.std.append(variance.squareRoot() / 255)
            // Cumulative counts give the k-th smallest pixel value directly.
            var cumulative = [Int](repeating: 0, count: 256)
            var run = 0
            for v in 0..<256 {
                run += h[v]
                cumulative[v] = run
            }
            func kth(_ k: Int) -> Double {
                var lo = 0
                var hi = 255
                while lo < hi {
                    let mid = (lo + hi) / 2
                    if cumulative[mid] > k { hi = mid } else { lo = mid + 1 }
                }
                return Double(lo)
            }
            for (k, (_, q)) in quantileLevels.enumerated() { qs[k].append(interpolatedQuantile(q, count: n, at: kth) / 255) }
        }
        for (k, (key, _)) in quantileLevels.enumerated() { s.quantiles[key] = qs[k] }
        return s
    }

    /// Combines episode stats: count-weighted mean, parallel variance, min of mins, max of maxes,
    /// count-weighted average of quantiles (lerobot 0.4.x).
    static func aggregate(_ parts: [FeatureStats]) -> FeatureStats? {
        guard let first = parts.first else { return nil }
        let dims = first.mean.count
        let total = parts.reduce(0) { $0 + $1.count }
        guard total > 0 else { return first }
        var s = FeatureStats(
            min: first.min, max: first.max, mean: [Double](repeating: 0, count: dims),
            std: [Double](repeating: 0, count: dims), count: total, quantiles: [:], isImage: first.isImage)
        for p in parts {
            let w = Double(p.count) / Double(total)
            for d in 0..<dims {
                s.min[d] = Swift.min(s.min[d], p.min[d])
                s.max[d] = Swift.max(s.max[d], p.max[d])
                s.mean[d] += w * p.mean[d]
            }
        }
        for d in 0..<dims {
            var v = 0.0
            for p in parts {
                let delta = p.mean[d] - s.mean[d]
                v += Double(p.count) * (p.std[d] * p.std[d] + delta * delta)
            }
            s.std[d] = (v / Double(total)).squareRoot()
        }
        for (key, _) in quantileLevels {
            var q = [Double](repeating: 0, count: dims)
            for p in parts { if let pq = p.quantiles[key] { for d in 0..<dims { q[d] += Double(p.count) / Double(total) * pq[d] } } }
            s.quantiles[key] = q
        }
        return s
    }

    // MARK: JSON

    /// The JSON object of `stats.json` for this feature (nested [3][1][1] for images).
    func jsonObject(includeQuantiles: Bool = true) -> [String: Any] {
        var out: [String: Any] = [:]
        for key in Self.keys where includeQuantiles || !key.hasPrefix("q") {
            let v = values(key)
            if key == "count" {
                out[key] = [count]
                continue
            }
            out[key] = isImage ? v.map { [[$0]] } as Any : v as Any
        }
        return out
    }
}

/// Accumulates 256-bin per-channel histograms of RGB images (flat memory, exact image statistics).
struct ImageHistogram {
    var bins = [Int](repeating: 0, count: 768)
    var frames = 0

    mutating func add(_ pixels: [UInt8]) {
        bins.withUnsafeMutableBufferPointer { b in
            pixels.withUnsafeBufferPointer { p in
                var i = 0
                let n = p.count
                while i + 2 < n {
                    b[Int(p[i])] &+= 1
                    b[256 + Int(p[i + 1])] &+= 1
                    b[512 + Int(p[i + 2])] &+= 1
                    i += 3
                }
            }
        }
        frames += 1
    }

    /// Counts one frame whose pixels `body` adds to the 768 bins (R, G, B values) it is given.
    mutating func counting<R>(_ body: (UnsafeMutablePointer<Int64>) throws -> R) rethrows -> R {
        let result = try bins.withUnsafeMutableBufferPointer { b in
            try b.withMemoryRebound(to: Int64.self) { try body($0.baseAddress!) }
        }
        frames += 1
        return result
    }

    var stats: FeatureStats {
        FeatureStats.ofHistograms([Array(bins[0..<256]), Array(bins[256..<512]), Array(bins[512..<768])], frames: frames)
    }
}

/// A JSON value decoded with `JSONDecoder` (exact doubles; Foundation's JSONSerialization on Linux is not).
enum JSONValue: Decodable {
    case number(Double)
    case string(String)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let d = try? c.decode(Double.self) {
            self = .number(d)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let a = try? c.decode([JSONValue].self) {
            self = .array(a)
        } else {
            self = .object(try c.decode([String: JSONValue].self))
        }
    }

    /// Doubles of a flat or nested numeric array, in order.
    var flatNumbers: [Double]? {
        switch self {
        case .number(let d): return [d]
        case .array(let a):
            var out: [Double] = []
            for v in a {
                guard let f = v.flatNumbers else { return nil }
                out += f
            }
            return out
        default: return nil
        }
    }

    var isNested: Bool {
        if case .array(let a) = self, case .array? = a.first { return true }
        return false
    }

    subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    var objectValue: [String: JSONValue]? {
        if case .object(let o) = self { return o }
        return nil
    }
}

extension FeatureStats {
    /// Reads a stats entry (flat lists, or [3][1][1] for images) decoded exactly.
    static func from(exact o: JSONValue) -> FeatureStats? {
        guard let mn = o["min"]?.flatNumbers, let mx = o["max"]?.flatNumbers, let me = o["mean"]?.flatNumbers,
            let sd = o["std"]?.flatNumbers, let c = o["count"]?.flatNumbers?.first
        else { return nil }
        var q: [String: [Double]] = [:]
        for (key, _) in quantileLevels { if let v = o[key]?.flatNumbers { q[key] = v } }
        return FeatureStats(min: mn, max: mx, mean: me, std: sd, count: Int(c), quantiles: q, isImage: o["mean"]?.isNested ?? false)
    }

    /// Reads every feature's entry of a stats object (`stats.json`, or one `episodes_stats.jsonl` line's "stats").
    static func all(exact o: JSONValue?) -> [String: FeatureStats] {
        var out: [String: FeatureStats] = [:]
        for (k, v) in o?.objectValue ?? [:] { if let s = from(exact: v) { out[k] = s } }
        return out
    }
}
