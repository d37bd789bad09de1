import Foundation

/// Statistics used by evaluation reports.
public enum Statistics {
    /// Bayesian 95% interval for a success rate: the 2.5% and 97.5% quantiles of Beta(1 + s, 1 + f)
    /// (a uniform prior; the convention of MolmoSpaces' reports).
    public static func successInterval(successes s: Int, failures f: Int, level: Double = 0.95) -> ClosedRange<Double> {
        let a = 1 + Double(s)
        let b = 1 + Double(f)
        let tail = (1 - level) / 2
        return betaQuantile(tail, a, b)...betaQuantile(1 - tail, a, b)
    }

    /// The p-quantile of Beta(a, b) by bisection on the regularised incomplete beta function.
    public static func betaQuantile(_ p: Double, _ a: Double, _ b: Double) -> Double {
        var lo = 0.0
        var hi = 1.0
        for _ in 0..<100 {
            let mid = (lo + hi) / 2
            if regularizedIncompleteBeta(mid, a, b) < p { lo = mid } else { hi = mid }
        }
        return (lo + hi) / 2
    }

    /// I_x(a, b), by the continued fraction (modified Lentz), using the symmetry for x past the mean.
    public static func regularizedIncompleteBeta(_ x: Double, _ a: Double, _ b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let logBeta: Double = lgamma(a) + lgamma(b) - lgamma(a + b)
        let logFront: Double = a * log(x) + b * log(1 - x) - logBeta
        if x > (a + 1) / (a + b + 2) { return 1 - regularizedIncompleteBeta(1 - x, b, a) }
        let tiny = 1e-300
        var c = 1.0
        var d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var f = d
        for m in 1...300 {
            let m = Double(m)
            var numerator = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
            for step in 0..<2 {
                d = 1 + numerator * d
                if abs(d) < tiny { d = tiny }
                c = 1 + numerator / c
                if abs(c) < tiny { c = tiny }
                d = 1 / d
                f *= c * d
                if step == 0 { numerator = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)) }
            }
            if abs(c * d - 1) < 1e-15 { break }
        }
        return exp(logFront) * f / a
    }

    /// Linear-interpolated percentile (0 ... 100) of a sample, as numpy's default.
    public static func percentile(_ values: [Double], _ p: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let s = values.sorted()
        let rank = p / 100 * Double(s.count - 1)
        let i = Int(rank.rounded(.down))
        let frac = rank - Double(i)
        return i + 1 < s.count ? s[i] + (s[i + 1] - s[i]) * frac : s[i]
    }

    public static func mean(_ values: [Double]) -> Double? {
        values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
    }
}
