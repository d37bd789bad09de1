import Foundation

/// Per-dimension action statistics that map MolmoAct's normalised actions in [-1, 1] to robot units.
public struct ActionNormalization: Sendable, Equatable {
    public var q01: [Double]
    public var q99: [Double]
    /// Dimensions that are un-normalised; the others are returned as normalised values.
    public var mask: [Bool]
    /// The unnorm key the statistics were read under, when read from a file.
    public var key: String?

    public init(q01: [Double], q99: [Double], mask: [Bool]? = nil, key: String? = nil) {
        self.q01 = q01
        self.q99 = q99
        self.mask = mask ?? q01.indices.map { $0 < 6 }
        self.key = key
    }

    public var dimension: Int { q01.count }

    /// Reads the statistics for `unnormKey` from a MolmoAct `config.json` (its `norm_stats` object) or a
    /// `dataset_statistics.json` (`{key: {"action": {"q01", "q99", "mask"}}}`). With no key, the file must hold
    /// exactly one.
    public static func load(path: String, unnormKey: String?) throws -> ActionNormalization {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw NormStatsError(file: path, keyPath: "", message: "cannot read the file")
        }
        return try parse(data, file: path, unnormKey: unnormKey)
    }

    /// Parses norm-stats JSON; `file` names the source in errors.
    public static func parse(_ data: Data, file: String = "<norm stats>", unnormKey: String?) throws -> ActionNormalization {
        let root: Any
        do { root = try JSONSerialization.jsonObject(with: data) } catch {
            throw NormStatsError(file: file, keyPath: "", message: "not valid JSON (\(error.localizedDescription))")
        }
        guard var table = root as? [String: Any] else {
            throw NormStatsError(file: file, keyPath: "", message: "expected a JSON object at the top level")
        }
        var prefix = ""
        if let inner = table["norm_stats"] {
            guard let t = inner as? [String: Any] else {
                throw NormStatsError(file: file, keyPath: "norm_stats", message: "expected an object")
            }
            table = t
            prefix = "norm_stats."
        }
        let key: String
        if let unnormKey {
            guard table[unnormKey] != nil else {
                throw NormStatsError(
                    file: file, keyPath: prefix + unnormKey,
                    message: "unnorm key not found; the file has: \(table.keys.sorted().joined(separator: ", "))")
            }
            key = unnormKey
        } else {
            guard table.count == 1, let only = table.keys.first else {
                throw NormStatsError(
                    file: file, keyPath: prefix,
                    message: "\(table.count) unnorm keys (\(table.keys.sorted().joined(separator: ", "))); name one with --unnorm-key")
            }
            key = only
        }
        let path = prefix + key + ".action"
        guard let entry = table[key] as? [String: Any], let action = entry["action"] as? [String: Any] else {
            throw NormStatsError(file: file, keyPath: path, message: "expected an object with q01, q99 and mask")
        }
        func numbers(_ name: String) throws -> [Double] {
            guard let list = action[name] as? [Any] else {
                throw NormStatsError(file: file, keyPath: path + "." + name, message: "missing or not an array of numbers")
            }
            return try list.enumerated().map { i, v in
                guard let n = v as? NSNumber else {
                    throw NormStatsError(file: file, keyPath: "\(path).\(name)[\(i)]", message: "expected a number")
                }
                return n.doubleValue
            }
        }
        let q01 = try numbers("q01")
        let q99 = try numbers("q99")
        guard q01.count == q99.count, !q01.isEmpty else {
            throw NormStatsError(
                file: file, keyPath: path, message: "q01 has \(q01.count) values and q99 \(q99.count); expected equal, non-zero counts")
        }
        var mask: [Bool]? = nil
        if let m = action["mask"] {
            guard let list = m as? [Any], list.count == q01.count else {
                throw NormStatsError(file: file, keyPath: path + ".mask", message: "expected \(q01.count) booleans")
            }
            mask = list.map { ($0 as? NSNumber)?.boolValue ?? false }
        }
        return ActionNormalization(q01: q01, q99: q99, mask: mask, key: key)
    }
}

/// A norm-stats file that cannot be used, with the key path that is wrong.
public struct NormStatsError: Error, CustomStringConvertible, Equatable {
    public var file: String
    public var keyPath: String
    public var message: String
    public var description: String { "\(file): \(keyPath.isEmpty ? "" : keyPath + ": ")\(message)" }
}

/// MolmoAct's discrete actions: 256 Qwen2 vocabulary strings for 255 bins over [-1, 1]
/// (molmoact.md sections 7 and 8).
public enum ActionTokenizer {
    /// Qwen2's base vocabulary size; action token ids are `vocabularySize - 256 ..< vocabularySize`.
    public static let vocabularySize = 151_643
    public static let firstTokenID = 151_387
    /// Bin centres used when decoding: `c_j = -1 + (2j + 1) / 255`, j = 0 ... 254.
    public static func binCentre(_ j: Int) -> Double { -1 + Double(2 * j + 1) / 255 }

    private static let idByString: [String: Int] = {
        var d: [String: Int] = [:]
        for (i, s) in tokenStrings.enumerated() { d[s] = firstTokenID + i }
        return d
    }()

    /// The vocabulary id of an action token string, nil for any other string.
    public static func tokenID(_ string: String) -> Int? { idByString[string] }

    /// The string of an action token id (151387 ... 151642).
    public static func string(forID id: Int) -> String? {
        (firstTokenID..<vocabularySize).contains(id) ? tokenStrings[id - firstTokenID] : nil
    }

    /// The normalised value of an action token: its bin centre; nil for any other string (see `officialValue`).
    public static func normalizedValue(_ string: String) -> Double? {
        guard let id = tokenID(string) else { return nil }
        return binCentre(bin(id: id))
    }

    /// The bin of a vocabulary id: `clip(V - id - 1, 0, 254)`.
    static func bin(id: Int) -> Int { min(max(vocabularySize - id - 1, 0), 254) }

    /// The normalised value the official parser gives any string (`modeling_molmoact.py` `parse_action`): the id is
    /// Qwen2's (`convert_tokens_to_ids`; a string outside the vocabulary becomes `V`), then `clip(V - id - 1, 0, 254)`.
    /// So a Qwen2 vocabulary string that is not an action token (a smaller id) lands in the highest bin (+0.996) and
    /// an unknown string in the lowest (-0.996). Without `vocabulary` (the 151,643 strings of Qwen2's vocab.json,
    /// which Benchtop does not ship), every non-action string is taken as unknown.
    public static func officialValue(_ string: String, vocabulary: Qwen2Vocabulary? = nil) -> Double {
        let id = tokenID(string) ?? vocabulary?.id(of: string) ?? vocabularySize
        return binCentre(bin(id: id))
    }

    /// The token for a normalised value: `d = digitize(n, linspace(-1, 1, 256))`, id = V - d.
    public static func token(normalized n: Double) -> String {
        let c = n.isNaN ? 0 : min(max(n, -1), 1)
        // Number of edges e_k = -1 + 2k/255 that are <= c; computed in the same float arithmetic as numpy's linspace.
        var d = Int(((c + 1) * 127.5).rounded(.down)) + 1
        // Guard the floor against rounding at edges.
        while d > 1 && edge(d - 1) > c { d -= 1 }
        while d < 256 && edge(d) <= c { d += 1 }
        return tokenStrings[vocabularySize - d - firstTokenID]
    }

    private static func edge(_ k: Int) -> Double { k == 255 ? 1 : -1 + Double(k) * (2.0 / 255) }

    /// Un-normalises one step of normalised values with q01/q99 (the last dimension, the gripper, always stays
    /// normalised, as in MolmoAct).
    public static func unnormalize(_ values: [Double], normalization: ActionNormalization?) -> [Double] {
        values.enumerated().map { j, n in
            guard let st = normalization, j < st.dimension, j != values.count - 1, st.mask[j] else { return n }
            return 0.5 * (n + 1) * (st.q99[j] - st.q01[j]) + st.q01[j]
        }
    }

    /// Decodes one step of token strings into an action: un-normalises the masked dimensions with q01/q99
    /// (the last dimension, the gripper, always stays normalised, as in MolmoAct). Throws on a string that is not
    /// an action token (the strict decoding; `officialValue` is the official one).
    public static func decode(_ tokens: [String], normalization: ActionNormalization?, step: Int = 0) throws -> [Double] {
        try tokens.enumerated().map { j, s in
            guard let n = normalizedValue(s) else {
                throw ActionTokenError(step: step, index: j, token: s)
            }
            guard let st = normalization, j < st.dimension, j != tokens.count - 1, st.mask[j] else { return n }
            return 0.5 * (n + 1) * (st.q99[j] - st.q01[j]) + st.q01[j]
        }
    }

    /// Encodes one action as MolmoAct's training pipeline does: dimensions 0 ... 5 normalised with q01/q99
    /// (dimensions with q01 = q99 give 0), the gripper stored as `1 - a`.
    public static func encode(_ action: [Double], normalization: ActionNormalization) -> [String] {
        action.enumerated().map { j, a in
            let n: Double
            if j == action.count - 1 {
                n = 1 - a
            } else if j < normalization.dimension, normalization.mask[j] {
                let span = normalization.q99[j] - normalization.q01[j]
                n = abs(span) < 1e-8 ? 0 : 2 * (a - normalization.q01[j]) / (span + 1e-8) - 1
            } else {
                n = a
            }
            return token(normalized: n)
        }
    }

    /// The text form of a chunk: `[t1, t2, ...]` for one step, `[[...], [...]]` for several.
    public static func text(_ steps: [[String]]) -> String {
        let inner = steps.map { "[" + $0.joined(separator: ", ") + "]" }
        return steps.count == 1 ? inner[0] : "[" + inner.joined(separator: ", ") + "]"
    }
}

/// Qwen2's base vocabulary (`vocab.json` of `Qwen/Qwen2-7B`: token string -> id), for the official decoding of
/// strings that are not action tokens.
public struct Qwen2Vocabulary: Sendable {
    private let ids: [String: Int]
    public init(ids: [String: Int]) { self.ids = ids }
    public func id(of string: String) -> Int? { ids[string] }
    public var count: Int { ids.count }

    /// Reads a `vocab.json` (a JSON object of string -> integer id).
    public static func load(path: String) throws -> Qwen2Vocabulary {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw NormStatsError(file: path, keyPath: "", message: "cannot read the Qwen2 vocabulary file")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw NormStatsError(file: path, keyPath: "", message: "expected Qwen2's vocab.json: a JSON object of token string -> id")
        }
        var ids: [String: Int] = [:]
        ids.reserveCapacity(object.count)
        for (k, v) in object {
            guard let n = v as? NSNumber else { throw NormStatsError(file: path, keyPath: k, message: "expected an integer id") }
            ids[k] = n.intValue
        }
        return Qwen2Vocabulary(ids: ids)
    }
}

/// A string in an action that is not one of the 256 action tokens.
public struct ActionTokenError: Error, CustomStringConvertible, Equatable {
    public var step: Int
    public var index: Int
    public var token: String
    public var description: String { "step \(step) value \(index): '\(token)' is not an action token" }
}
