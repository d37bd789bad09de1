import BenchtopCore
import Foundation
import Yams

/// A variation sweep: which axes and levels to run, how many episodes per cell, and the seed.
///
/// ```yaml
/// scene: pick_cube        # file or name under scenes/
/// robot: franka           # optional: replaces the scene's embodiment
/// policy: builtin
/// episodes: 10            # per cell; episode k of every cell uses seed + k
/// seed: 0
/// axes:
///   distractors: [1, 2, 3]
///   lighting: all         # levels 1 ... 3
/// ```
/// The cells are the in-distribution baseline (every axis at level 0) and each listed axis at each listed level
/// above 0, one axis at a time (as LIBERO-Plus and SimplerEnv vary one factor per variant).
public struct SweepSpec: Sendable, Hashable {
    public var scene: String
    public var robot: String?
    public var policy: String = "builtin"
    public var mode: String?
    public var controlRate: Double?
    public var horizon: Int?
    public var actionSteps: Int = 8
    public var episodes: Int = 10
    public var seed: UInt64 = 0
    /// Axes in the order given, each with its levels above 0 (ascending).
    public var axes: [(axis: VariationAxis, levels: [Int])]
    /// Whether observations carry rendered images (policies that look need them; the built-in one does not).
    public var renderObservations: Bool?
    /// Whether to render one example picture per cell for the report.
    public var pictures: Bool = true

    public init(scene: String, axes: [(axis: VariationAxis, levels: [Int])], episodes: Int = 10, seed: UInt64 = 0) {
        self.scene = scene
        self.axes = axes
        self.episodes = episodes
        self.seed = seed
    }

    public static func == (a: SweepSpec, b: SweepSpec) -> Bool { a.canonicalText == b.canonicalText }
    public func hash(into h: inout Hasher) { h.combine(canonicalText) }

    /// The cells in run order: the baseline first, then axes in spec order, levels ascending.
    public var cells: [SweepCell] {
        [SweepCell(axis: nil, level: 0)] + axes.flatMap { a in a.levels.map { SweepCell(axis: a.axis, level: $0) } }
    }

    /// Work units (cell, episode) in canonical order: cell-major.
    public var units: [SweepUnit] {
        cells.indices.flatMap { c in (0..<episodes).map { SweepUnit(cell: c, episode: $0) } }
    }

    /// A stable text of every setting that affects results; shards of one sweep must agree on it.
    public var canonicalText: String {
        var lines = [
            "scene: \(scene)", "robot: \(robot ?? "-")", "policy: \(policy)", "mode: \(mode ?? "-")",
            "control_rate: \(controlRate.map { "\($0)" } ?? "-")", "horizon: \(horizon.map(String.init) ?? "-")",
            "action_steps: \(actionSteps)", "episodes: \(episodes)", "seed: \(seed)",
        ]
        lines += axes.map { "axis \($0.axis.rawValue): \($0.levels.map(String.init).joined(separator: ","))" }
        return lines.joined(separator: "\n")
    }

    /// The scene file this spec names: a bare name (`pick_cube`) is a shipped scene; any other name is a file
    /// relative to the spec's own folder, which it may not leave (see `FileRoot`) unless `allowsOutsideRoot`.
    public func scenePath(specFile: String, allowsOutsideRoot: Bool = false) throws -> String {
        let isName = !scene.contains("/") && !["yaml", "yml", "json"].contains((scene as NSString).pathExtension)
        if isName { return scene }
        do { return try FileRoot(enclosing: specFile, allowsOutside: allowsOutsideRoot).resolve(scene) } catch {
            throw VariationError("\(specFile): scene: \(error)")
        }
    }

    // MARK: - Loading

    /// Most episodes in one sweep (all cells together) and most ticks per episode.
    public static let maxEpisodes = 1_000_000
    public static let maxHorizon = 1_000_000

    public static func load(path: String) throws -> SweepSpec {
        let text: String
        do { text = try BoundedFile.readText(path, maxBytes: 1 << 20) } catch {
            throw VariationError("\(path): cannot read the sweep spec: \(error)")
        }
        return try parse(text, file: path)
    }

    public static func parse(_ text: String, file: String = "<sweep>") throws -> SweepSpec {
        func fail(_ key: String, _ node: Node?, _ message: String) -> VariationError {
            let line = node?.mark.map { ":\($0.line)" } ?? ""
            return VariationError("\(file)\(line): \(key): \(message)")
        }
        let root: Node
        do {
            guard let n = try Yams.compose(yaml: text) else { throw fail("(document)", nil, "the file is empty; expected a mapping") }
            root = n
        } catch let e as VariationError { throw e } catch {
            let firstLine = "\(error)".split(separator: "\n").first.map(String.init) ?? ""
            throw VariationError("\(file): not valid YAML: \(Excerpt.of(firstLine, limit: 160))")
        }
        guard let map = root.mapping else { throw fail("(document)", root, "expected a mapping of sweep settings") }
        let allowed = [
            "scene", "robot", "policy", "mode", "control_rate", "horizon", "action_steps", "episodes", "seed", "axes",
            "render_observations", "pictures",
        ]
        for key in map.keys {
            guard let k = key.string, allowed.contains(k) else {
                let name = Excerpt.of(key.string ?? "(not a string)")
                throw fail(name, key, "unknown key\(Suggestion.phrase(for: name, in: allowed)); expected one of \(allowed.joined(separator: ", "))")
            }
        }
        func string(_ k: String) throws -> String? {
            guard let n = root[k] else { return nil }
            guard let s = n.scalar?.string, n.scalar != nil else { throw fail(k, n, "expected a string") }
            return s
        }
        func int(_ k: String, min lo: Int, max hi: Int) throws -> Int? {
            guard let n = root[k] else { return nil }
            guard let v = n.int, (lo...hi).contains(v) else {
                throw fail(k, n, "expected an integer in \(lo) ... \(hi), got '\(Excerpt.of(n.string ?? "a collection"))'")
            }
            return v
        }
        func bool(_ k: String) throws -> Bool? {
            guard let n = root[k] else { return nil }
            guard let v = n.bool else { throw fail(k, n, "expected true or false") }
            return v
        }
        guard let scene = try string("scene") else { throw fail("scene", root, "missing required key (a scene file or name)") }
        guard let axesNode = root["axes"] else { throw fail("axes", root, "missing required key (a mapping of axis: [levels])") }
        guard let axesMap = axesNode.mapping else { throw fail("axes", axesNode, "expected a mapping of axis: [levels] or axis: all") }
        var axes: [(axis: VariationAxis, levels: [Int])] = []
        for (key, value) in axesMap {
            let name = Excerpt.of(key.string ?? "")
            guard let axis = VariationAxis(rawValue: name) else {
                throw fail(
                    "axes.\(name)", key,
                    "unknown axis\(Suggestion.phrase(for: name, in: VariationAxis.allCases.map(\.rawValue))); expected one of \(VariationAxis.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            guard !axes.contains(where: { $0.axis == axis }) else { throw fail("axes.\(name)", key, "axis listed twice") }
            var levels: [Int]
            if value.string == "all" {
                levels = Array(1...VariationAxis.maxLevel)
            } else if let seq = value.sequence {
                levels = []
                for (i, n) in seq.enumerated() {
                    guard let l = n.int, (0...VariationAxis.maxLevel).contains(l) else {
                        throw fail("axes.\(name)[\(i)]", n, "expected a level 0 ... \(VariationAxis.maxLevel)")
                    }
                    levels.append(l)
                }
            } else if let l = value.int, (0...VariationAxis.maxLevel).contains(l) {
                levels = [l]
            } else {
                throw fail("axes.\(name)", value, "expected a list of levels 0 ... \(VariationAxis.maxLevel), or all")
            }
            // Level 0 of any axis is the baseline cell, run once.
            levels = Array(Set(levels.filter { $0 > 0 })).sorted()
            axes.append((axis, levels))
        }
        var spec = SweepSpec(scene: scene, axes: axes)
        spec.robot = try string("robot")
        spec.policy = try string("policy") ?? "builtin"
        spec.mode = try string("mode")
        if let n = root["control_rate"] {
            guard let v = n.float, (0.1...1000).contains(v) else { throw fail("control_rate", n, "expected a rate in 0.1 ... 1000 Hz") }
            spec.controlRate = v
        }
        spec.horizon = try int("horizon", min: 1, max: maxHorizon)
        spec.actionSteps = try int("action_steps", min: 1, max: 1000) ?? 8
        spec.episodes = try int("episodes", min: 1, max: maxEpisodes) ?? 10
        if let n = root["seed"] {
            guard let s = n.scalar?.string, let v = UInt64(s) else { throw fail("seed", n, "expected an unsigned 64-bit integer") }
            // Episode k uses seed + k: the last seed must not overflow.
            guard v <= UInt64.max - UInt64(spec.episodes) else {
                throw fail("seed", n, "expected at most \(UInt64.max - UInt64(spec.episodes)) so that seed + episodes fits in 64 bits")
            }
            spec.seed = v
        }
        guard spec.cells.count * spec.episodes <= maxEpisodes else {
            throw fail(
                "episodes", root["episodes"] ?? root,
                "\(spec.cells.count) cells x \(spec.episodes) episodes is more than \(maxEpisodes) episodes in all")
        }
        spec.renderObservations = try bool("render_observations")
        spec.pictures = try bool("pictures") ?? true
        return spec
    }

    /// The spec as YAML (what `load` reads back).
    public var yaml: String {
        var lines = ["scene: \(scene)"]
        if let robot { lines.append("robot: \(robot)") }
        lines.append("policy: \(policy)")
        if let mode { lines.append("mode: \(mode)") }
        if let controlRate { lines.append("control_rate: \(controlRate)") }
        if let horizon { lines.append("horizon: \(horizon)") }
        lines += ["action_steps: \(actionSteps)", "episodes: \(episodes)", "seed: \(seed)"]
        if let renderObservations { lines.append("render_observations: \(renderObservations)") }
        lines.append("pictures: \(pictures)")
        lines.append("axes:")
        lines += axes.map { "  \($0.axis.rawValue): [\($0.levels.map(String.init).joined(separator: ", "))]" }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// One cell of a sweep: an axis at a level, or the baseline.
public struct SweepCell: Sendable, Hashable {
    public var axis: VariationAxis?
    public var level: Int
    public init(axis: VariationAxis?, level: Int) {
        self.axis = axis
        self.level = level
    }
    /// "baseline" or "axis@level".
    public var id: String { axis.map { "\($0.rawValue)@\(level)" } ?? "baseline" }
}

/// One episode of one cell.
public struct SweepUnit: Sendable, Hashable {
    public var cell: Int
    public var episode: Int
    public init(cell: Int, episode: Int) {
        self.cell = cell
        self.episode = episode
    }
}

/// Shard k of n (1-based on the command line): the units whose canonical index is k-1 modulo n.
public struct Shard: Sendable, Hashable, CustomStringConvertible {
    public var index: Int
    public var count: Int
    public static let whole = Shard(index: 0, count: 1)
    public init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    /// Parses "k/n".
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]), n >= 1, (1...n).contains(k) else {
            throw VariationError("--shard '\(text)': expected k/n with 1 <= k <= n, e.g. 1/2")
        }
        self.init(index: k - 1, count: n)
    }

    public var description: String { "\(index + 1)/\(count)" }

    public func contains(unitIndex i: Int) -> Bool { i % count == index }

    /// This shard split into `parts` sub-shards whose union is this shard.
    public func split(_ parts: Int) -> [Shard] {
        (0..<parts).map { j in Shard(index: index + count * j, count: count * parts) }
    }
}
