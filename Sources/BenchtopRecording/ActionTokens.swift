import BenchtopDataset
import BenchtopReasoning
import Foundation

/// Per-dimension statistics of a set of vectors, as MolmoAct's `ActionProcessor` computes them
/// (numpy `quantile` with linear interpolation for q01 and q99).
public struct VectorStatistics: Sendable, Codable, Equatable {
    public var mean: [Double]
    public var std: [Double]
    public var min: [Double]
    public var max: [Double]
    public var q01: [Double]
    public var q99: [Double]

    /// Statistics of `rows` (each of the same length); zeros of `dimension` values when there are none.
    public init(_ rows: [[Double]], dimension: Int) {
        guard !rows.isEmpty else {
            let z = [Double](repeating: 0, count: dimension)
            mean = z
            std = z
            min = z
            max = z
            q01 = z
            q99 = z
            return
        }
        let n = Double(rows.count)
        var mean = [Double]()
        var std = [Double]()
        var lo = [Double]()
        var hi = [Double]()
        var q1 = [Double]()
        var q99 = [Double]()
        for d in 0..<dimension {
            let column = rows.map { $0[d] }.sorted()
            let m = column.reduce(0, +) / n
            mean.append(m)
            std.append((column.reduce(0) { $0 + ($1 - m) * ($1 - m) } / n).squareRoot())
            lo.append(column.first!)
            hi.append(column.last!)
            q1.append(Self.quantile(column, 0.01))
            q99.append(Self.quantile(column, 0.99))
        }
        self.mean = mean
        self.std = std
        self.min = lo
        self.max = hi
        self.q01 = q1
        self.q99 = q99
    }

    /// numpy's default (linear) quantile of sorted values.
    static func quantile(_ sorted: [Double], _ q: Double) -> Double {
        let position = q * Double(sorted.count - 1)
        let below = Int(position.rounded(.down))
        let above = Swift.min(below + 1, sorted.count - 1)
        return sorted[below] + (sorted[above] - sorted[below]) * (position - Double(below))
    }
}

/// MolmoAct's action encoding for training (molmoact.md §8): normalise with the dataset's q01/q99 (dimensions
/// whose mask is false are grippers stored as `1 - a` with `a` = +1 close), bin into 256 edges over [-1, 1] and
/// spell each bin as its Qwen2 vocabulary token (ids 151387 ... 151642).
/// Token strings come from BenchtopReasoning's `ActionTokenizer` (the one copy of the Qwen2 table).
public struct MolmoActActionEncoder: Sendable {
    public static let vocabularySize = 151_643
    public let statistics: VectorStatistics
    /// True for dimensions normalised with the statistics; false for grippers.
    public let mask: [Bool]

    public init(statistics: VectorStatistics, mask: [Bool]) {
        self.statistics = statistics
        self.mask = mask
    }

    /// Normalised action in [-1, 1]. `action`'s unmasked entries are MolmoAct gripper values (+1 = close).
    public func normalize(_ action: [Double]) -> [Double] {
        action.indices.map { d in
            let a = action[d]
            if !mask[d] { return Swift.min(Swift.max(1 - a, -1), 1) }
            let lo = statistics.q01[d]
            let hi = statistics.q99[d]
            if abs(hi - lo) < 1e-12 { return 0 }
            return Swift.min(Swift.max(2 * (a - lo) / (hi - lo + 1e-8) - 1, -1), 1)
        }
    }

    /// numpy `digitize(n, linspace(-1, 1, 256))`: the number of edges <= n, 1 ... 256 for n in [-1, 1].
    public static func bin(_ n: Double) -> Int {
        var count = 0
        for j in 0..<256 where -1 + 2 * Double(j) / 255 <= n { count += 1 }
        return count
    }

    /// Token id of a normalised value: V - bin.
    public static func tokenID(_ n: Double) -> Int { vocabularySize - bin(n) }

    /// The Qwen2 vocabulary string of a normalised value's token.
    public static func tokenText(_ n: Double) -> String { ActionTokenizer.token(normalized: n) }

    /// `"[t1, t2, ...]"` for one normalised action.
    public static func tokenized(_ normalized: [Double]) -> String {
        "[" + normalized.map(tokenText).joined(separator: ", ") + "]"
    }

    /// The `processed_action` JSON of frame `t` of an episode's actions: normalised action, its tokens, and the
    /// 8-step chunk t ... t+7 (padded by repeating the last action).
    public func processedAction(episode actions: [[Double]], frame t: Int, chunkSize: Int = 8) -> String {
        let normalized = normalize(actions[t])
        let chunk = (0..<chunkSize).map { k in Self.tokenized(normalize(actions[Swift.min(t + k, actions.count - 1)])) }
        let numbers = normalized.map { jsonNumber($0) }.joined(separator: ", ")
        return "{\"normalized_action\": [\(numbers)], \"tokenized_action\": \(jsonString(Self.tokenized(normalized))), "
            + "\"chunked_action\": \(jsonString("[" + chunk.joined(separator: ", ") + "]"))}"
    }
}

/// A JSON string literal (the dataset layer's escaping).
func jsonString(_ s: String) -> String { jsonQuoted(s) }

func jsonNumber(_ x: Double) -> String {
    guard x.isFinite else { return "0" }
    if x == x.rounded(), abs(x) < 1e15 { return String(format: "%.1f", x) }
    return "\(x)"
}
