import BenchtopCore
import BenchtopScene
import Foundation
import Yams

/// An error in a data-only plugin manifest: file, key path and what was expected.
public struct ManifestError: Error, CustomStringConvertible, Sendable, Equatable {
    public var file: String
    public var keyPath: String
    public var message: String
    public init(file: String, keyPath: String, _ message: String) { self.file = file; self.keyPath = keyPath; self.message = message }
    public var description: String { keyPath.isEmpty ? "\(file): \(message)" : "\(file): \(keyPath): \(message)" }
}

/// Reads a data-only embodiment plugin: `embodiment.yaml` naming a URDF, arms, grippers, control modes,
/// feature names and cameras (format in Plugins/README.md). No Swift needed.
public enum ManifestLoader {
    public static let fileName = "embodiment.yaml"

    public static func load(path: String) throws -> EmbodimentDescriptor {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ManifestError(file: path, keyPath: "", "cannot read the file")
        }
        let root: Any?
        do { root = try Yams.load(yaml: text) } catch { throw ManifestError(file: path, keyPath: "", "not valid YAML: \(error)") }
        let r = Reader(file: path)
        let m = try r.map(root, "")
        let name = try r.string(m["name"], "name")
        let urdfName = try r.string(m["urdf"], "urdf")
        let urdfPath = urdfName.hasPrefix("/") ? urdfName : ((path as NSString).deletingLastPathComponent as NSString).appendingPathComponent(urdfName)
        var spec: ArticulationSpec
        do { spec = try URDFParser.load(path: urdfPath) } catch let e as URDFError {
            throw ManifestError(file: path, keyPath: "urdf", e.description)
        }
        spec.name = name
        let armList = try r.list(m["arms"], "arms")
        var arms: [Arm] = []
        for (i, a) in armList.enumerated() {
            let k = "arms[\(i)]"
            let am = try r.map(a, k)
            let joints = try r.list(am["joints"], k + ".joints").enumerated().map { try r.string($1, k + ".joints[\($0)]") }
            let home = try r.numbers(am["home"], k + ".home", count: joints.count)
            var tcp = Pose.identity
            if let t = am["tcp_offset"] { tcp = try r.pose(t, k + ".tcp_offset") }
            var gripper: Gripper?
            if let g = am["gripper"] {
                let gm = try r.map(g, k + ".gripper")
                let gj = try r.list(gm["joints"], k + ".gripper.joints").enumerated().map { try r.string($1, k + ".gripper.joints[\($0)]") }
                gripper = Gripper(joints: gj, open: try r.numbers(gm["open"], k + ".gripper.open", count: gj.count),
                                  closed: try r.numbers(gm["closed"], k + ".gripper.closed", count: gj.count),
                                  effort: try r.number(gm["effort"], k + ".gripper.effort"))
            }
            arms.append(Arm(name: try r.string(am["name"] ?? "arm\(i)", k + ".name"), joints: joints,
                            tcpLink: try r.string(am["tcp_link"], k + ".tcp_link"), tcpOffset: tcp, home: home, gripper: gripper))
        }
        var modes: [ControlMode] = []
        for (i, c) in try r.list(m["control_modes"], "control_modes").enumerated() {
            let k = "control_modes[\(i)]"
            let cm = try r.map(c, k)
            let kindName = try r.string(cm["kind"], k + ".kind")
            guard let kind = ControlModeKind(rawValue: kindName) else {
                throw ManifestError(file: path, keyPath: k + ".kind", "expected one of \(ControlModeKind.allCases.map(\.rawValue).joined(separator: ", ")), got '\(kindName)'")
            }
            let rate = try cm["rate"].map { try r.number($0, k + ".rate") } ?? 30
            var closed = 0.0, open = 1.0, gunit = "aperture 0..1 (1 = open)"
            if let g = cm["gripper"] {
                let gm = try r.map(g, k + ".gripper")
                closed = try r.number(gm["closed"], k + ".gripper.closed"); open = try r.number(gm["open"], k + ".gripper.open")
                if let u = gm["unit"] { gunit = try r.string(u, k + ".gripper.unit") }
            }
            var mode: ControlMode
            if kind == .jointPosition {
                let degrees = try (cm["joint_unit"].map { try r.string($0, k + ".joint_unit") } ?? "rad") == "deg"
                mode = .jointPosition(name: kindName, arms: arms, names: arms.map { $0.joints }, gripperNames: arms.map { $0.gripper == nil ? nil : "gripper" },
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
                    throw ManifestError(file: path, keyPath: k + "." + role, "expected \(count) feature names for a \(kindName) mode of this robot, got \(list.count)")
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
                let res = try r.numbers(cm["resolution"], k + ".resolution", count: 2)
                let eye = try r.numbers(cm["position"], k + ".position", count: 3)
                let at = try r.numbers(cm["look_at"], k + ".look_at", count: 3)
                cameras.append(MountedCamera(name: try r.string(cm["name"], k + ".name"), link: try r.string(cm["link"], k + ".link"),
                                             eye: SIMD3(eye[0], eye[1], eye[2]), target: SIMD3(at[0], at[1], at[2]),
                                             verticalFieldOfView: try r.number(cm["fov"], k + ".fov"), width: Int(res[0]), height: Int(res[1])))
            }
        }
        var base = Pose(position: SIMD3(0, 0, 0.75))
        if let b = m["default_base"] { base = try r.pose(b, "default_base") }
        var gains = MotorGains()
        if let g = m["motor_gains"] {
            let gm = try r.map(g, "motor_gains")
            gains = MotorGains(position: try r.number(gm["position"], "motor_gains.position"), velocity: try r.number(gm["velocity"], "motor_gains.velocity"))
        }
        let d = EmbodimentDescriptor(name: name, summary: try m["summary"].map { try r.string($0, "summary") } ?? "data-only plugin",
                                     articulation: spec, arms: arms, cameras: cameras, controlModes: modes, defaultBase: base,
                                     motorGains: gains, sources: "manifest \(path)")
        do { try d.validate() } catch let e as EmbodimentError { throw ManifestError(file: path, keyPath: e.field, e.message) }
        return d
    }

    private struct Reader {
        let file: String
        func fail(_ key: String, _ msg: String) -> ManifestError { ManifestError(file: file, keyPath: key, msg) }
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
        func number(_ v: Any?, _ key: String) throws -> Double {
            if let d = v as? Double, d.isFinite { return d }
            if let i = v as? Int { return Double(i) }
            throw fail(key, v == nil ? "missing; expected a number" : "expected a finite number, got \(String(describing: v!))")
        }
        func numbers(_ v: Any?, _ key: String, count: Int) throws -> [Double] {
            let l = try list(v, key)
            guard l.count == count else { throw fail(key, "expected \(count) numbers, got \(l.count)") }
            return try l.enumerated().map { try number($1, key + "[\($0)]") }
        }
        func pose(_ v: Any?, _ key: String) throws -> Pose {
            let m = try map(v, key)
            let p = try m["position"].map { try numbers($0, key + ".position", count: 3) } ?? [0, 0, 0]
            let rpy = try m["rpy"].map { try numbers($0, key + ".rpy", count: 3) } ?? [0, 0, try m["yaw"].map { try number($0, key + ".yaw") } ?? 0]
            return Pose(position: SIMD3(p[0], p[1], p[2]), orientation: Quaternion(roll: rpy[0], pitch: rpy[1], yaw: rpy[2]))
        }
    }
}

/// URDF reading for plugins, which see only EmbodimentKit and Core.
public enum URDF {
    /// Reads a URDF file of primitive shapes (see `URDFParser` for what is supported).
    public static func load(path: String) throws -> ArticulationSpec { try URDFParser.load(path: path) }
}
