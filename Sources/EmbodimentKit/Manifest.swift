import BenchtopCore
import BenchtopScene
import Foundation
import Yams

/// An error in a data-only plugin manifest: file, key path and what was expected.
public struct ManifestError: Error, CustomStringConvertible, Sendable, Equatable {
    public var file: String
    public var keyPath: String
    public var message: String
    public init(file: String, keyPath: String, _ message: String) {
        self.file = file
        self.keyPath = keyPath
        self.message = message
    }
    public var description: String { keyPath.isEmpty ? "\(file): \(message)" : "\(file): \(keyPath): \(message)" }
}

/// Reads a data-only embodiment plugin: `embodiment.yaml` naming a URDF, arms, grippers, control modes,
/// feature names and cameras (format in Plugins/README.md). No Swift needed.
public enum ManifestLoader {
    public static let fileName = "embodiment.yaml"

    /// Largest manifest read.
    public static let maxFileBytes = 1 << 20
    /// Most YAML nodes after aliases are expanded (a manifest has a few hundred; an alias bomb has billions).
    public static let maxNodes = 100_000

    /// Reads a manifest. Files it names (the URDF) must lie in its folder unless `allowsOutsideRoot`.
    public static func load(path: String, allowsOutsideRoot: Bool = false) throws -> EmbodimentDescriptor {
        let text: String
        do { text = try BoundedFile.readText(path, maxBytes: maxFileBytes) } catch {
            throw ManifestError(file: path, keyPath: "", "\(error)")
        }
        let root: Any?
        do {
            let node = try Yams.compose(yaml: text)
            if let node {
                var budget = maxNodes
                guard fits(node, budget: &budget) else {
                    throw ManifestError(file: path, keyPath: "", "more than \(maxNodes) YAML nodes once aliases are expanded")
                }
            }
            root = node?.any
        } catch let e as ManifestError { throw e } catch {
            let firstLine = "\(error)".split(separator: "\n").first.map(String.init) ?? ""
            throw ManifestError(file: path, keyPath: "", "not valid YAML: \(Excerpt.of(firstLine, limit: 160))")
        }
        let r = Reader(file: path)
        let m = try r.map(root, "")
        try r.keys(m, "", ["name", "summary", "urdf", "arms", "control_modes", "cameras", "default_base", "motor_gains"])
        let name = try r.string(m["name"], "name")
        let urdfName = try r.string(m["urdf"], "urdf")
        var spec: ArticulationSpec
        do {
            // Meshes and a package:// URDF resolve through the plugin's folder, then BENCHTOP_PACKAGE_PATH.
            let folder = try FileRoot(enclosing: path, allowsOutside: allowsOutsideRoot)
            let packages = PackagePath(roots: [folder.directory], allowsOutside: allowsOutsideRoot)
            let urdfPath = urdfName.hasPrefix("package://") ? try packages.resolvePackage(urdfName).path : try folder.resolve(urdfName)
            spec = try URDFParser.load(path: urdfPath, packages: packages)
        } catch let e as URDFError {
            throw ManifestError(file: path, keyPath: "urdf", e.description)
        } catch let e as FileRootError {
            throw ManifestError(file: path, keyPath: "urdf", e.message)
        } catch let e as PackagePath.LookupError {
            throw ManifestError(file: path, keyPath: "urdf", e.description)
        }
        spec.name = name
        let armList = try r.list(m["arms"], "arms")
        var arms: [Arm] = []
        for (i, a) in armList.enumerated() {
            let k = "arms[\(i)]"
            let am = try r.map(a, k)
            try r.keys(am, k, ["name", "joints", "home", "tcp_link", "tcp_offset", "gripper"])
            let joints = try r.list(am["joints"], k + ".joints").enumerated().map { try r.string($1, k + ".joints[\($0)]") }
            let home = try r.numbers(am["home"], k + ".home", count: joints.count)
            var tcp = Pose.identity
            if let t = am["tcp_offset"] { tcp = try r.pose(t, k + ".tcp_offset") }
            var gripper: Gripper?
            if let g = am["gripper"] {
                let gm = try r.map(g, k + ".gripper")
                try r.keys(gm, k + ".gripper", ["joints", "open", "closed", "effort"])
                let gj = try r.list(gm["joints"], k + ".gripper.joints").enumerated().map { try r.string($1, k + ".gripper.joints[\($0)]") }
                gripper = Gripper(
                    joints: gj, open: try r.numbers(gm["open"], k + ".gripper.open", count: gj.count),
                    closed: try r.numbers(gm["closed"], k + ".gripper.closed", count: gj.count),
                    effort: try r.number(gm["effort"], k + ".gripper.effort", in: 0...1e6))
            }
            arms.append(
                Arm(
                    name: try r.string(am["name"] ?? "arm\(i)", k + ".name"), joints: joints,
                    tcpLink: try r.string(am["tcp_link"], k + ".tcp_link"), tcpOffset: tcp, home: home, gripper: gripper))
        }
        var modes: [ControlMode] = []
        for (i, c) in try r.list(m["control_modes"], "control_modes").enumerated() {
            let k = "control_modes[\(i)]"
            let cm = try r.map(c, k)
            try r.keys(cm, k, ["kind", "name", "rate", "gripper", "joint_unit", "state", "action"])
            let kindName = try r.string(cm["kind"], k + ".kind")
            guard let kind = ControlModeKind(rawValue: kindName) else {
                throw ManifestError(
                    file: path, keyPath: k + ".kind",
                    "expected one of \(ControlModeKind.allCases.map(\.rawValue).joined(separator: ", ")), got '\(kindName)'")
            }
            let rate = try cm["rate"].map { try r.number($0, k + ".rate", in: 0.1...1000) } ?? 30
            var closed = 0.0
            var open = 1.0
            var gunit = "aperture 0..1 (1 = open)"
            if let g = cm["gripper"] {
                let gm = try r.map(g, k + ".gripper")
                try r.keys(gm, k + ".gripper", ["closed", "open", "unit"])
                closed = try r.number(gm["closed"], k + ".gripper.closed")
                open = try r.number(gm["open"], k + ".gripper.open")
                if let u = gm["unit"] { gunit = try r.string(u, k + ".gripper.unit") }
            }
            var mode: ControlMode
            if kind == .jointPosition {
                let unit = try cm["joint_unit"].map { try r.string($0, k + ".joint_unit") } ?? "rad"
                guard unit == "rad" || unit == "deg" else {
                    throw ManifestError(file: path, keyPath: k + ".joint_unit", "expected rad or deg, got '\(Excerpt.of(unit))'")
                }
                let degrees = unit == "deg"
                mode = .jointPosition(
                    name: kindName, arms: arms, names: arms.map { $0.joints }, gripperNames: arms.map { $0.gripper == nil ? nil : "gripper" },
                    jointUnit: degrees ? "deg" : "rad", jointScale: degrees ? 180 / .pi : 1,
                    gripperClosed: closed, gripperOpen: open, gripperUnit: gunit, rate: rate)
            } else {
                guard arms[0].gripper != nil else { throw ManifestError(file: path, keyPath: k, "end-effector modes need a gripper on arm 0") }
                mode = .endEffector(name: kindName, kind: kind, gripperClosed: closed, gripperOpen: open, gripperUnit: gunit, rate: rate)
            }
            if let n = cm["name"] { mode.name = try r.string(n, k + ".name") }
            for role in ["state", "action"] {
                guard let names = cm[role] else { continue }
                let list = try r.list(names, k + "." + role).enumerated().map { try r.string($1, k + ".\(role)[\($0)]") }
                let count = role == "state" ? mode.state.count : mode.action.count
                guard list.count == count else {
                    throw ManifestError(
                        file: path, keyPath: k + "." + role, "expected \(count) feature names for a \(kindName) mode of this robot, got \(list.count)"
                    )
                }
                for (j, n) in list.enumerated() { if role == "state" { mode.state[j].name = n } else { mode.action[j].name = n } }
            }
            modes.append(mode)
        }
        var cameras: [MountedCamera] = []
        if let cl = m["cameras"] {
            for (i, c) in try r.list(cl, "cameras").enumerated() {
                let k = "cameras[\(i)]"
                let cm = try r.map(c, k)
                try r.keys(cm, k, ["name", "link", "position", "look_at", "up", "fov", "resolution"])
                let res = try r.numbers(cm["resolution"], k + ".resolution", count: 2, in: 1...8192)
                guard res.allSatisfy({ $0 == $0.rounded() }) else {
                    throw ManifestError(file: path, keyPath: k + ".resolution", "expected whole pixel counts, got \(res)")
                }
                let eye = try r.numbers(cm["position"], k + ".position", count: 3)
                let at = try r.numbers(cm["look_at"], k + ".look_at", count: 3)
                let up = try cm["up"].map { try r.numbers($0, k + ".up", count: 3) } ?? [0, 0, 1]
                guard up != [0, 0, 0] else { throw ManifestError(file: path, keyPath: k + ".up", "expected a non-zero up vector") }
                cameras.append(
                    MountedCamera(
                        name: try r.string(cm["name"], k + ".name"), link: try r.string(cm["link"], k + ".link"),
                        eye: SIMD3(eye[0], eye[1], eye[2]), target: SIMD3(at[0], at[1], at[2]), up: SIMD3(up[0], up[1], up[2]),
                        verticalFieldOfView: try r.number(cm["fov"], k + ".fov", in: 1...170), width: Int(res[0]), height: Int(res[1])))
            }
        }
        var base = Pose(position: SIMD3(0, 0, 0.75))
        if let b = m["default_base"] { base = try r.pose(b, "default_base") }
        var gains = MotorGains()
        if let g = m["motor_gains"] {
            let gm = try r.map(g, "motor_gains")
            try r.keys(gm, "motor_gains", ["position", "velocity"])
            gains = MotorGains(
                position: try r.number(gm["position"], "motor_gains.position", in: 0.001...1),
                velocity: try r.number(gm["velocity"], "motor_gains.velocity", in: 0...100))
        }
        let d = EmbodimentDescriptor(
            name: name, summary: try m["summary"].map { try r.string($0, "summary") } ?? "data-only plugin",
            articulation: spec, arms: arms, cameras: cameras, controlModes: modes, defaultBase: base,
            motorGains: gains, sources: "manifest \(path)")
        do { try d.validate() } catch let e as EmbodimentError { throw ManifestError(file: path, keyPath: e.field, e.message) }
        return d
    }

    /// Whether the node tree, with aliases expanded, has at most `budget` nodes (stops counting past it).
    static func fits(_ node: Node, budget: inout Int) -> Bool {
        budget -= 1
        guard budget >= 0 else { return false }
        switch node {
        case .mapping(let m):
            for (k, v) in m { guard fits(k, budget: &budget), fits(v, budget: &budget) else { return false } }
        case .sequence(let s):
            for v in s { guard fits(v, budget: &budget) else { return false } }
        case .alias: return false  // compose resolves aliases; an unresolved one cannot be constructed
        case .scalar: break
        }
        return true
    }

    private struct Reader {
        let file: String
        func fail(_ key: String, _ msg: String) -> ManifestError { ManifestError(file: file, keyPath: key, msg) }
        /// Rejects keys the format does not have, suggesting the nearest one (a typo such as `tcp_ofset`
        /// would otherwise silently leave the default in place).
        func keys(_ m: [String: Any], _ key: String, _ allowed: [String]) throws {
            for k in m.keys.sorted() where !allowed.contains(k) {
                let path = key.isEmpty ? k : key + "." + k
                throw fail(
                    path,
                    "unknown key '\(Excerpt.of(k))'\(Suggestion.phrase(for: k, in: allowed)); expected one of: \(allowed.joined(separator: ", "))")
            }
        }
        func map(_ v: Any?, _ key: String) throws -> [String: Any] {
            guard let m = v as? [String: Any] else { throw fail(key, "expected a mapping") }
            return m
        }
        func list(_ v: Any?, _ key: String) throws -> [Any] {
            guard let l = v as? [Any] else { throw fail(key, v == nil ? "missing; expected a list" : "expected a list") }
            return l
        }
        func string(_ v: Any?, _ key: String) throws -> String {
            guard let s = v as? String, !s.isEmpty else { throw fail(key, v == nil ? "missing; expected a string" : "expected a non-empty string") }
            return s
        }
        /// A finite number in `range` (the default keeps poses and gains away from values that overflow).
        func number(_ v: Any?, _ key: String, in range: ClosedRange<Double> = -1e6...1e6) throws -> Double {
            var value: Double?
            if let d = v as? Double, d.isFinite { value = d }
            if let i = v as? Int { value = Double(i) }
            guard let value else {
                throw fail(key, v == nil ? "missing; expected a number" : "expected a finite number, got '\(Excerpt.of(String(describing: v!)))'")
            }
            guard range.contains(value) else { throw fail(key, "expected a number in \(range.lowerBound) ... \(range.upperBound), got \(value)") }
            return value
        }
        func numbers(_ v: Any?, _ key: String, count: Int, in range: ClosedRange<Double> = -1e6...1e6) throws -> [Double] {
            let l = try list(v, key)
            guard l.count == count else { throw fail(key, "expected \(count) numbers, got \(l.count)") }
            return try l.enumerated().map { try number($1, key + "[\($0)]", in: range) }
        }
        func pose(_ v: Any?, _ key: String) throws -> Pose {
            let m = try map(v, key)
            try keys(m, key, ["position", "rpy", "yaw"])
            let p = try m["position"].map { try numbers($0, key + ".position", count: 3) } ?? [0, 0, 0]
            let rpy = try m["rpy"].map { try numbers($0, key + ".rpy", count: 3) } ?? [0, 0, try m["yaw"].map { try number($0, key + ".yaw") } ?? 0]
            return Pose(position: SIMD3(p[0], p[1], p[2]), orientation: Quaternion(roll: rpy[0], pitch: rpy[1], yaw: rpy[2]))
        }
    }
}

/// URDF reading for plugins, which see only EmbodimentKit and Core.
public enum URDF {
    /// Reads a URDF file (see `URDFParser` for what is supported). Meshes are read when `packageRoots` names
    /// where they may come from (e.g. the plugin's folder; BENCHTOP_PACKAGE_PATH is searched after them);
    /// without it a mesh is an error.
    public static func load(path: String, packageRoots: [String]? = nil) throws -> ArticulationSpec {
        try URDFParser.load(path: path, packages: packageRoots.map { PackagePath(roots: $0) })
    }
}
