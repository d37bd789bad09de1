import BenchtopCore
import Yams

/// Reads a YAML node tree while tracking the key path, so every error can say where it happened.
/// A mapping reader remembers which keys were read; `finish()` rejects any key left over (typos).
struct NodeReader {
    let node: Node
    let path: String
    let file: String

    var line: Int? { node.mark.map { $0.line } }

    func error(_ kind: SceneError.Kind, _ message: String, at path: String? = nil, line: Int? = nil) -> SceneError {
        SceneError(kind, file: file, keyPath: path ?? self.path, line: line ?? self.line, message)
    }

    func child(_ key: String, _ node: Node) -> NodeReader {
        NodeReader(node: node, path: path.isEmpty ? key : "\(path).\(key)", file: file)
    }

    func element(_ index: Int, _ node: Node) -> NodeReader {
        NodeReader(node: node, path: "\(path)[\(index)]", file: file)
    }

    /// A description of the node's type for error messages.
    var typeName: String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar(let s): return "'\(Excerpt.of(s.string))'"
        default: return "an alias"
        }
    }

    // MARK: scalars

    /// Largest magnitude of any number in a scene: metres, kilograms, seconds and degrees of a tabletop are far
    /// below it, and products of such numbers stay finite (1e308 used to pass and overflow later).
    static let maxMagnitude = 1e6

    func double() throws -> Double {
        guard case .scalar(let s) = node, let v = Double(s.string.trimmingCharacters(in: .whitespaces)), v.isFinite else {
            throw error(.wrongType, "expected a number, got \(typeName)")
        }
        guard abs(v) <= Self.maxMagnitude else { throw error(.outOfRange, "expected a number of magnitude at most 1e6, got \(v)") }
        return v
    }

    /// A number in `range`, named with its unit in the message.
    func double(in range: ClosedRange<Double>, _ unit: String) throws -> Double {
        let v = try double()
        guard range.contains(v) else { throw error(.outOfRange, "expected \(range.lowerBound) ... \(range.upperBound) \(unit), got \(v)") }
        return v
    }

    func positiveDouble() throws -> Double {
        let v = try double()
        guard v > 0 else { throw error(.outOfRange, "expected a positive number, got \(v)") }
        return v
    }

    func nonNegativeDouble() throws -> Double {
        let v = try double()
        guard v >= 0 else { throw error(.outOfRange, "expected a number >= 0, got \(v)") }
        return v
    }

    func int() throws -> Int {
        guard case .scalar(let s) = node, let v = Int(s.string.trimmingCharacters(in: .whitespaces)) else {
            throw error(.wrongType, "expected an integer, got \(typeName)")
        }
        guard abs(v) <= Int(Self.maxMagnitude) else { throw error(.outOfRange, "expected an integer of magnitude at most 1e6, got \(v)") }
        return v
    }

    func string() throws -> String {
        guard case .scalar(let s) = node else { throw error(.wrongType, "expected a string, got \(typeName)") }
        return s.string
    }

    func bool() throws -> Bool {
        guard case .scalar(let s) = node else { throw error(.wrongType, "expected true or false, got \(typeName)") }
        switch s.string.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw error(.wrongType, "expected true or false, got '\(s.string)'")
        }
    }

    // MARK: collections

    func list() throws -> [NodeReader] {
        guard case .sequence(let seq) = node else { throw error(.wrongType, "expected a list, got \(typeName)") }
        return seq.enumerated().map { element($0.offset, $0.element) }
    }

    func doubles(count: ClosedRange<Int>) throws -> [Double] {
        let items = try list()
        guard count.contains(items.count) else {
            let want = count.lowerBound == count.upperBound ? "\(count.lowerBound)" : "\(count.lowerBound) to \(count.upperBound)"
            throw error(.wrongType, "expected a list of \(want) numbers, got \(items.count)")
        }
        return try items.map { try $0.double() }
    }

    func vector3() throws -> SIMD3<Double> {
        let v = try doubles(count: 3...3)
        return SIMD3(v[0], v[1], v[2])
    }

    func range() throws -> ClosedRange<Double> {
        let v = try doubles(count: 2...2)
        guard v[0] <= v[1] else { throw error(.outOfRange, "expected [low, high] with low <= high, got [\(v[0]), \(v[1])]") }
        return v[0]...v[1]
    }

    func mapping() throws -> MappingReader {
        guard case .mapping(let m) = node else { throw error(.wrongType, "expected a mapping, got \(typeName)") }
        return MappingReader(reader: self, mapping: m)
    }
}

/// A mapping being read; every key taken is marked so that unknown keys can be reported.
final class MappingReader {
    let reader: NodeReader
    private var entries: [(key: String, value: Node, line: Int?)] = []
    private var used = Set<String>()

    init(reader: NodeReader, mapping: Node.Mapping) {
        self.reader = reader
        for (k, v) in mapping { entries.append((k.string ?? "", v, k.mark?.line)) }
    }

    var keys: [String] { entries.map(\.key) }

    func has(_ key: String) -> Bool { entries.contains { $0.key == key } }

    func optional(_ key: String) -> NodeReader? {
        guard let e = entries.first(where: { $0.key == key }) else { return nil }
        used.insert(key)
        return reader.child(key, e.value)
    }

    func required(_ key: String, _ what: String) throws -> NodeReader {
        guard let r = optional(key) else {
            throw reader.error(.missingKey, "missing required key '\(key)' (\(what))")
        }
        return r
    }

    /// Fails on the first key that was never read.
    func finish(allowed: [String]) throws {
        for e in entries where !used.contains(e.key) {
            let path = reader.path.isEmpty ? e.key : "\(reader.path).\(e.key)"
            throw reader.error(
                .unknownKey,
                "unknown key '\(Excerpt.of(e.key))'\(Suggestion.phrase(for: e.key, in: allowed)); expected one of: \(allowed.joined(separator: ", "))",
                at: path, line: e.line)
        }
    }
}
