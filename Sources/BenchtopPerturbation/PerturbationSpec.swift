import BenchtopCore
import Foundation
import Yams

/// One named perturbation of a spec: any of the four kinds, applied to policy queries `start`, `start + every`, ...
/// (`every: 0` applies once, at query `start`).
public struct Perturbation: Sendable, Equatable {
    public var name: String
    public var start: Int
    public var every: Int
    public var trace: TracePerturbation?
    public var depthTokens: DepthTokenPerturbation?
    public var actions: ActionPerturbation?
    public var observation: ObservationPerturbation?

    public init(
        name: String, start: Int = 0, every: Int? = nil, trace: TracePerturbation? = nil, depthTokens: DepthTokenPerturbation? = nil,
        actions: ActionPerturbation? = nil, observation: ObservationPerturbation? = nil
    ) {
        self.name = name
        self.start = start
        // A trace edit is followed (steering), so by default it is applied once; re-applying it to the policy's
        // own steered trace would compound the edit.
        self.every = every ?? (trace != nil ? 0 : 1)
        self.trace = trace
        self.depthTokens = depthTokens
        self.actions = actions
        self.observation = observation
    }

    /// Whether policy query `query` (0 = the episode's first) is perturbed.
    public func applies(toQuery query: Int) -> Bool {
        guard query >= start else { return false }
        return every == 0 ? query == start : (query - start) % every == 0
    }
}

/// A perturbation spec: `benchtop eval ... --perturb spec.yaml`.
///
/// ```yaml
/// seed: 7                       # optional; mixed with each episode's seed
/// perturbations:
///   - name: trace_offset_20
///     trace: {offset: [20, 0]}   # also scale, rotate (degrees), replace: [[x, y], ...]
///     start: 0                   # first perturbed policy query (default 0)
///     every: 0                   # 0 = once (the default for trace edits), N = every Nth query (default 1)
///   - name: depth_random_30
///     depth_tokens: {random_fraction: 0.3}   # also mask: [c0, r0, c1, r1], mask_code, shift: [dc, dr]
///   - name: action_noise
///     actions: {noise: 0.002}     # also bias, scale (scalar or per channel), drop, delay, gripper_flip
///   - name: blur
///     observation: {blur: 2}      # also noise, occlusion (fraction), jitter (pixels), cameras: [names]
/// ```
public struct PerturbationSpec: Sendable, Equatable {
    public var seed: UInt64
    public var perturbations: [Perturbation]
    public var yaml: String

    public init(seed: UInt64 = 0, perturbations: [Perturbation], yaml: String = "") {
        self.seed = seed
        self.perturbations = perturbations
        self.yaml = yaml
    }

    public static func load(path: String) throws -> PerturbationSpec {
        let text: String
        do { text = try BoundedFile.readText(path, maxBytes: 1 << 20) } catch {
            throw PerturbationError("\(path): cannot read the perturbation spec: \(error)")
        }
        return try parse(text, file: path)
    }

    public static func parse(_ text: String, file: String = "<perturbations>") throws -> PerturbationSpec {
        func fail(_ key: String, _ node: Node?, _ message: String) -> PerturbationError {
            PerturbationError("\(file)\(node?.mark.map { ":\($0.line)" } ?? ""): \(key): \(message)")
        }
        let root: Node
        do {
            guard let n = try Yams.compose(yaml: text) else { throw fail("(document)", nil, "the file is empty; expected a mapping") }
            root = n
        } catch let e as PerturbationError { throw e } catch {
            let firstLine = "\(error)".split(separator: "\n").first.map(String.init) ?? ""
            throw PerturbationError("\(file): not valid YAML: \(Excerpt.of(firstLine, limit: 160))")
        }
        func keys(_ node: Node, _ path: String, _ allowed: [String]) throws {
            guard let map = node.mapping else { throw fail(path, node, "expected a mapping with keys \(allowed.joined(separator: ", "))") }
            for (k, _) in map where !allowed.contains(k.string ?? "") {
                throw fail("\(path).\(k.string ?? "\(k)")", k, "unknown key; expected one of \(allowed.joined(separator: ", "))")
            }
        }
        // Every number has a bound: 1e300 or Int.max used to pass and overflow or allocate later.
        func number(_ n: Node, _ path: String, _ range: ClosedRange<Double> = -1e4...1e4) throws -> Double {
            guard let v = n.float, v.isFinite, range.contains(v) else {
                throw fail(
                    path, n, "expected a number in \(range.lowerBound) ... \(range.upperBound), got '\(Excerpt.of(n.string ?? "a collection"))'")
            }
            return v
        }
        func integer(_ n: Node, _ path: String, min lo: Int, max hi: Int) throws -> Int {
            guard let v = n.int, (lo...hi).contains(v) else {
                throw fail(path, n, "expected an integer in \(lo) ... \(hi), got '\(Excerpt.of(n.string ?? "a collection"))'")
            }
            return v
        }
        func numbers(_ n: Node, _ path: String, count: Int? = nil) throws -> [Double] {
            if n.scalar != nil, count == nil { return [try number(n, path)] }
            guard let seq = n.sequence, !seq.isEmpty, count == nil || seq.count == count else {
                throw fail(path, n, count.map { "expected a list of \($0) numbers" } ?? "expected a number or a list of numbers")
            }
            return try seq.enumerated().map { try number($1, "\(path)[\($0)]") }
        }
        func point(_ n: Node, _ path: String) throws -> SIMD2<Double> {
            let v = try numbers(n, path, count: 2)
            return SIMD2(v[0], v[1])
        }

        try keys(root, "(document)", ["seed", "perturbations"])
        var seed: UInt64 = 0
        if let n = root["seed"] {
            guard let s = n.scalar?.string, let v = UInt64(s) else { throw fail("seed", n, "expected an unsigned 64-bit integer") }
            seed = v
        }
        guard let list = root["perturbations"] else { throw fail("perturbations", root, "missing required key (a list of perturbations)") }
        guard let items = list.sequence, !items.isEmpty else { throw fail("perturbations", list, "expected a non-empty list") }
        var result: [Perturbation] = []
        for (i, item) in items.enumerated() {
            let p = "perturbations[\(i)]"
            try keys(item, p, ["name", "start", "every", "trace", "depth_tokens", "actions", "observation"])
            guard let nameNode = item["name"], let name = nameNode.string, !name.isEmpty,
                name.count <= 64, name.first != ".",
                name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == ".") })
            else {
                throw fail(
                    "\(p).name", item["name"] ?? item,
                    "expected up to 64 of letters, digits, _ - . not starting with '.' (it names a folder under --out)")
            }
            guard name != "baseline", !result.contains(where: { $0.name == name }) else {
                throw fail("\(p).name", nameNode, "'\(name)' is reserved or used twice")
            }
            var trace: TracePerturbation?
            if let t = item["trace"] {
                try keys(t, "\(p).trace", ["offset", "scale", "rotate", "replace"])
                var v = TracePerturbation()
                if let n = t["offset"] { v.offset = try point(n, "\(p).trace.offset") }
                if let n = t["scale"] { v.scale = try number(n, "\(p).trace.scale", 0...100) }
                if let n = t["rotate"] { v.rotationDegrees = try number(n, "\(p).trace.rotate", -360...360) }
                if let n = t["replace"] {
                    guard let seq = n.sequence, !seq.isEmpty, seq.count <= 1024 else {
                        throw fail("\(p).trace.replace", n, "expected a list of 1 ... 1024 [x, y] points in 0 ... 255")
                    }
                    v.replacement = try seq.enumerated().map { k, q in
                        let pt = try point(q, "\(p).trace.replace[\(k)]")
                        guard (0...255).contains(pt.x), (0...255).contains(pt.y) else {
                            throw fail("\(p).trace.replace[\(k)]", q, "point outside 0 ... 255")
                        }
                        return pt
                    }
                }
                trace = v
            }
            var depth: DepthTokenPerturbation?
            if let d = item["depth_tokens"] {
                try keys(d, "\(p).depth_tokens", ["random_fraction", "mask", "mask_code", "shift"])
                var v = DepthTokenPerturbation()
                if let n = d["random_fraction"] { v.randomFraction = try number(n, "\(p).depth_tokens.random_fraction", 0...1) }
                if let n = d["mask"] {
                    let m = try numbers(n, "\(p).depth_tokens.mask", count: 4).map { Int($0.rounded()) }
                    guard m[0] >= 0, m[1] >= 0, m[2] <= 10, m[3] <= 10, m[0] < m[2], m[1] < m[3] else {
                        throw fail(
                            "\(p).depth_tokens.mask", n, "expected [column0, row0, column1, row1] with 0 <= c0 < c1 <= 10 and 0 <= r0 < r1 <= 10")
                    }
                    v.mask = m
                }
                if let n = d["mask_code"] { v.maskCode = try integer(n, "\(p).depth_tokens.mask_code", min: 0, max: 127) }
                if let n = d["shift"] {
                    let s = try point(n, "\(p).depth_tokens.shift")
                    guard abs(s.x) <= 10, abs(s.y) <= 10 else { throw fail("\(p).depth_tokens.shift", n, "expected cell shifts in -10 ... 10") }
                    v.shift = SIMD2(Int(s.x.rounded()), Int(s.y.rounded()))
                }
                depth = v
            }
            var actions: ActionPerturbation?
            if let a = item["actions"] {
                try keys(a, "\(p).actions", ["noise", "bias", "scale", "drop", "delay", "gripper_flip"])
                var v = ActionPerturbation()
                if let n = a["noise"] {
                    v.noise = try numbers(n, "\(p).actions.noise")
                    if v.noise!.contains(where: { $0 < 0 }) { throw fail("\(p).actions.noise", n, "standard deviations must be >= 0") }
                }
                if let n = a["bias"] { v.bias = try numbers(n, "\(p).actions.bias") }
                if let n = a["scale"] { v.scale = try numbers(n, "\(p).actions.scale") }
                if let n = a["drop"] { v.dropProbability = try number(n, "\(p).actions.drop", 0...1) }
                if let n = a["delay"] { v.delayTicks = try integer(n, "\(p).actions.delay", min: 0, max: 1000) }
                if let n = a["gripper_flip"] { v.gripperFlipProbability = try number(n, "\(p).actions.gripper_flip", 0...1) }
                actions = v
            }
            var observation: ObservationPerturbation?
            if let o = item["observation"] {
                try keys(o, "\(p).observation", ["noise", "blur", "occlusion", "jitter", "cameras"])
                var v = ObservationPerturbation()
                if let n = o["noise"] { v.noise = try number(n, "\(p).observation.noise", 0...255) }
                if let n = o["blur"] { v.blur = try integer(n, "\(p).observation.blur", min: 0, max: 32) }
                if let n = o["occlusion"] { v.occlusion = try number(n, "\(p).observation.occlusion", 0...1) }
                if let n = o["jitter"] { v.jitter = try integer(n, "\(p).observation.jitter", min: 0, max: 256) }
                if let n = o["cameras"] {
                    guard let seq = n.sequence, let names = Optional(seq.compactMap(\.string)), names.count == seq.count, !names.isEmpty else {
                        throw fail("\(p).observation.cameras", n, "expected a list of camera names")
                    }
                    v.cameras = names
                }
                observation = v
            }
            guard trace != nil || depth != nil || actions != nil || observation != nil else {
                throw fail(p, item, "names no perturbation; give at least one of trace, depth_tokens, actions, observation")
            }
            var start = 0
            if let n = item["start"] { start = try integer(n, "\(p).start", min: 0, max: 1_000_000) }
            let every = try item["every"].map { try integer($0, "\(p).every", min: 0, max: 1_000_000) }
            result.append(
                Perturbation(name: name, start: start, every: every, trace: trace, depthTokens: depth, actions: actions, observation: observation))
        }
        return PerturbationSpec(seed: seed, perturbations: result, yaml: text)
    }
}

extension Perturbation: CustomStringConvertible {
    /// A one-line summary of what is perturbed and when.
    public var description: String {
        func list(_ v: [Double]) -> String { v.count == 1 ? "\(v[0])" : "[" + v.map { "\($0)" }.joined(separator: ", ") + "]" }
        var parts: [String] = []
        if let t = trace {
            var s: [String] = []
            if t.replacement != nil { s.append("replaced (\(t.replacement!.count) points)") }
            if let o = t.offset { s.append("offset (\(o.x), \(o.y)) px") }
            if let k = t.scale { s.append("scale \(k)") }
            if let r = t.rotationDegrees { s.append("rotate \(r) deg") }
            parts.append("trace " + s.joined(separator: ", "))
        }
        if let d = depthTokens {
            var s: [String] = []
            if let f = d.randomFraction { s.append("\(Int((f * 100).rounded()))% random codes") }
            if let m = d.mask { s.append("mask cells [\(m.map(String.init).joined(separator: ","))) = \(d.maskCode)") }
            if let v = d.shift { s.append("shift (\(v.x), \(v.y)) cells") }
            parts.append("depth tokens " + s.joined(separator: ", "))
        }
        if let a = actions {
            var s: [String] = []
            if let v = a.noise { s.append("noise sd \(list(v))") }
            if let v = a.bias { s.append("bias \(list(v))") }
            if let v = a.scale { s.append("scale \(list(v))") }
            if let p = a.dropProbability { s.append("drop p=\(p)") }
            if let d = a.delayTicks { s.append("delay \(d) ticks") }
            if let p = a.gripperFlipProbability { s.append("gripper flip p=\(p)") }
            parts.append("actions " + s.joined(separator: ", "))
        }
        if let o = observation {
            var s: [String] = []
            if let v = o.noise { s.append("noise sd \(v)") }
            if let v = o.blur { s.append("blur r=\(v)") }
            if let v = o.occlusion { s.append("occlusion \(v)") }
            if let v = o.jitter { s.append("jitter \(v) px") }
            if let c = o.cameras { s.append("cameras \(c.joined(separator: ","))") }
            parts.append("observation " + s.joined(separator: ", "))
        }
        let when = every == 0 ? "query \(start) only" : (every == 1 && start == 0 ? "every query" : "queries \(start), \(start + every), ...")
        return parts.joined(separator: "; ") + " (\(when))"
    }
}
