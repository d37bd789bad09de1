import ArgumentParser
import BenchtopCore

/// Up-front checks of command-line values, shared by the commands' `validate()`: a number outside its range is
/// refused with the flag's name and the range before anything is loaded or written, and a flag that does not
/// apply to the chosen mode is refused rather than silently ignored.
enum FlagRules {
    /// `value` (when given) must lie in `range`.
    static func check<T: Comparable>(_ flag: String, _ value: T?, in range: ClosedRange<T>, unit: String = "") throws {
        guard let value, !range.contains(value) else { return }
        throw ValidationError("\(flag): expected \(range.lowerBound) ... \(range.upperBound)\(unit.isEmpty ? "" : " " + unit), got \(value)")
    }

    /// A finite `value` (when given) in `range` (NaN and infinities are refused too).
    static func check(_ flag: String, _ value: Double?, in range: ClosedRange<Double>, unit: String = "") throws {
        guard let value, !(value.isFinite && range.contains(value)) else { return }
        throw ValidationError("\(flag): expected \(range.lowerBound) ... \(range.upperBound)\(unit.isEmpty ? "" : " " + unit), got \(value)")
    }

    /// Seeds `seed ..< seed + count` must fit in 64 bits (episode k uses seed + k).
    static func checkSeeds(_ seed: UInt64, count: Int, what: String) throws {
        let last = UInt64(max(count, 1) - 1)
        guard seed > UInt64.max - last else { return }
        throw ValidationError("--seed: expected at most \(UInt64.max - last) with \(what), so that the last seed fits in 64 bits; got \(seed)")
    }

    /// Refuses the flags of `given` that were set (their Bool) when `applies` is false: `reason` says when they apply.
    static func onlyWhen(_ applies: Bool, _ given: [(flag: String, set: Bool)], _ reason: String) throws {
        guard !applies else { return }
        let used = given.filter(\.set).map(\.flag)
        guard !used.isEmpty else { return }
        throw ValidationError("\(used.joined(separator: ", ")) only appl\(used.count == 1 ? "ies" : "y") \(reason)")
    }

    /// One of `allowed` (when given).
    static func oneOf(_ flag: String, _ value: String?, _ allowed: [String]) throws {
        guard let value, !allowed.contains(value) else { return }
        throw ValidationError("\(flag): expected one of \(allowed.joined(separator: ", ")), got '\(Excerpt.of(value))'")
    }
}
