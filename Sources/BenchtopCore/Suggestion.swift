/// "Did you mean ...?" for unknown keys and names: the closest candidate by edit distance, when close enough
/// to be a typo (`tcp_ofset` -> `tcp_offset`).
public enum Suggestion {
    /// The candidate nearest to `word`, if it is close enough to be a typo.
    public static func closest(to word: String, in candidates: [String]) -> String? {
        // Two edits cover a swapped pair of letters (`hadn` -> `hand`); longer words may be further off.
        let limit = word.count < 4 ? 1 : max(2, word.count / 3)
        let scored = candidates.map { ($0, distance(word, $0)) }.filter { $0.1 <= limit }
        return scored.min { $0.1 < $1.1 }?.0
    }

    /// " (did you mean 'x'?)" or "".
    public static func phrase(for word: String, in candidates: [String]) -> String {
        closest(to: word, in: candidates).map { " (did you mean '\($0)'?)" } ?? ""
    }

    /// Levenshtein distance over characters (keys are short; inputs longer than 64 characters are not typos).
    static func distance(_ a: String, _ b: String) -> Int {
        let x = Array(a.prefix(64))
        let y = Array(b.prefix(64))
        var previous = Array(0...y.count)
        for i in 1...max(x.count, 1) where !x.isEmpty {
            var current = [i] + Array(repeating: 0, count: y.count)
            for j in stride(from: 1, through: y.count, by: 1) {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return x.isEmpty ? y.count : previous[y.count]
    }
}
