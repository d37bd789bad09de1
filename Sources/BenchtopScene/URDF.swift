import BenchtopCore
import BenchtopMesh
import Foundation

/// Errors reading a URDF robot description: the file, the element path and what was expected.
public struct URDFError: Error, CustomStringConvertible, Sendable, Equatable {
    public var file: String
    /// Element path such as `robot/joint[joint2]/origin@rpy`.
    public var element: String
    public var message: String

    public init(file: String, element: String, _ message: String) {
        self.file = file
        self.element = element
        self.message = message
    }

    public var description: String { element.isEmpty ? "\(file): \(message)" : "\(file): \(element): \(message)" }
}

/// Reads URDF robot descriptions made of primitive shapes into an `ArticulationSpec`.
///
/// URDF lives here, next to the other description formats, so that embodiment plugins and tools read robots
/// the same way scenes are read. Supported: `link` (inertial, collision, visual with box / sphere / cylinder /
/// capsule, material colour, PyBullet's `contact/lateral_friction`), `joint` (revolute, continuous, prismatic,
/// fixed; origin, axis, limit, dynamics). Meshes (`<mesh filename scale>`, read through BenchtopMesh) are accepted
/// when the caller names where they may come from (`packages` or `meshRoot`); a collision mesh becomes one part
/// (physics collides with its convex hull), a visual mesh keeps one part per material with its colour.
public enum URDFParser {
    /// Parses a URDF file.
    /// - Parameter meshRoot: the directory mesh files may be read from (nil: meshes are rejected). Mesh file names
    ///   resolve against the URDF's directory; `package://NAME/` prefixes against the root.
    /// - Parameter packages: the search path for `package://` and relative mesh names (robot plugins); wins over `meshRoot`.
    public static func load(path: String, meshRoot: String? = nil, packages: PackagePath? = nil) throws -> ArticulationSpec {
        let data: Data
        do { data = try BoundedFile.read(path, maxBytes: maxFileBytes) } catch {
            throw URDFError(file: path, element: "", "\(error)")
        }
        return try parse(data, file: path, meshRoot: meshRoot, packages: packages)
    }

    /// Largest URDF read (a 7-joint arm is about 20 KB).
    public static let maxFileBytes = 4 << 20
    /// Most links in one robot (bimanual arms with hands have tens).
    public static let maxLinks = 256

    /// Parses URDF text; `file` names the source in errors. Joints come out parent before child, links[0] is
    /// the root (the one link that is no joint's child).
    public static func parse(_ data: Data, file: String = "<urdf>", meshRoot: String? = nil, packages: PackagePath? = nil) throws -> ArticulationSpec
    {
        let robot: XMLTag
        do { robot = try StrictXML.parse(data) } catch {
            throw URDFError(file: file, element: "", "not accepted as XML: \(error)")
        }
        guard robot.name == "robot" else {
            throw URDFError(file: file, element: "", "expected a <robot> root element")
        }
        let robotName = robot.attribute(forName: "name")?.stringValue ?? "robot"
        var ctx = Context(file: file, meshRoot: meshRoot, packages: packages)
        // Named materials at robot level.
        for m in robot.elements(forName: "material") {
            if let name = m.attribute(forName: "name")?.stringValue, let c = try ctx.color(m, path: "robot/material[\(name)]") {
                ctx.materials[name] = c
            }
        }
        var links: [LinkSpec] = []
        var linkIndex: [String: Int] = [:]
        for l in robot.elements(forName: "link") {
            guard let name = l.attribute(forName: "name")?.stringValue, !name.isEmpty, name.count <= 128 else {
                throw URDFError(file: file, element: "robot/link", "expected a name attribute of 1 to 128 characters")
            }
            guard linkIndex[name] == nil else { throw URDFError(file: file, element: "robot/link[\(name)]", "duplicate link name") }
            linkIndex[name] = links.count
            links.append(try ctx.link(l, name: name))
        }
        guard !links.isEmpty else { throw URDFError(file: file, element: "robot", "expected at least one <link>") }
        guard links.count <= maxLinks else {
            throw URDFError(file: file, element: "robot", "expected at most \(maxLinks) links, got \(links.count)")
        }

        struct RawJoint {
            var spec: JointSpec
            var parent: String
            var child: String
        }
        var raw: [RawJoint] = []
        for j in robot.elements(forName: "joint") {
            guard let name = j.attribute(forName: "name")?.stringValue, !name.isEmpty, name.count <= 128 else {
                throw URDFError(file: file, element: "robot/joint", "expected a name attribute of 1 to 128 characters")
            }
            let path = "robot/joint[\(name)]"
            guard let parent = j.elements(forName: "parent").first?.attribute(forName: "link")?.stringValue else {
                throw URDFError(file: file, element: path + "/parent", "expected <parent link=\"...\"/>")
            }
            guard let child = j.elements(forName: "child").first?.attribute(forName: "link")?.stringValue else {
                throw URDFError(file: file, element: path + "/child", "expected <child link=\"...\"/>")
            }
            for (role, l) in [("parent", parent), ("child", child)] where linkIndex[l] == nil {
                throw URDFError(file: file, element: path + "/" + role, "no link named '\(l)'")
            }
            raw.append(RawJoint(spec: try ctx.joint(j, name: name, path: path), parent: parent, child: child))
        }
        // Root: the link that is nobody's child.
        var childCount: [String: Int] = [:]
        for r in raw { childCount[r.child, default: 0] += 1 }
        if let twice = childCount.first(where: { $0.value > 1 }) {
            throw URDFError(file: file, element: "robot/link[\(twice.key)]", "link is the child of \(twice.value) joints")
        }
        let roots = links.map(\.name).filter { childCount[$0] == nil }
        guard roots.count == 1 else {
            throw URDFError(file: file, element: "robot", "expected exactly one root link, found \(roots.count): \(roots.joined(separator: ", "))")
        }
        // Breadth-first order from the root; link order follows the joint order so links[0] is the root.
        var orderedLinks = [roots[0]]
        var orderedJoints: [JointSpec] = []
        var queue = [roots[0]]
        var newIndex: [String: Int] = [roots[0]: 0]
        var childJoints: [String: [RawJoint]] = [:]
        for r in raw { childJoints[r.parent, default: []].append(r) }
        var head = 0
        while head < queue.count {
            let parent = queue[head]
            head += 1
            for r in childJoints[parent] ?? [] {
                newIndex[r.child] = orderedLinks.count
                orderedLinks.append(r.child)
                var spec = r.spec
                spec.parent = newIndex[parent]!
                spec.child = newIndex[r.child]!
                orderedJoints.append(spec)
                queue.append(r.child)
            }
        }
        guard orderedLinks.count == links.count else {
            let missing = links.map(\.name).filter { newIndex[$0] == nil }
            throw URDFError(file: file, element: "robot", "links not connected to the root: \(missing.joined(separator: ", "))")
        }
        return ArticulationSpec(
            name: robotName, base: .identity, links: orderedLinks.map { links[linkIndex[$0]!] },
            joints: orderedJoints)
    }

    // MARK: - Elements

    private struct Context {
        let file: String
        let meshRoot: String?
        let packages: PackagePath?
        var materials: [String: Color] = [:]

        /// A `<mesh filename scale>` element's triangles, one part per material.
        func meshParts(_ s: XMLTag, path gp: String) throws -> [ShapePart] {
            if let packages { return try packageMeshParts(s, packages, path: gp) }
            guard let root = meshRoot else {
                throw err(gp, "meshes are not supported here: describe the link with box, sphere, cylinder or capsule")
            }
            guard let name = s.attribute(forName: "filename")?.stringValue, !name.isEmpty else {
                throw err(gp + "@filename", "expected a mesh file name")
            }
            let scale = try numbers(s, "scale", count: 3, path: gp, default: [1, 1, 1])
            guard scale.allSatisfy({ $0 != 0 }) else { throw err(gp + "@scale", "expected non-zero scale factors") }
            var resolved: String
            if name.hasPrefix("package://") {
                let rest = name.dropFirst("package://".count).split(separator: "/", maxSplits: 1)
                resolved = URL(fileURLWithPath: root).appendingPathComponent(rest.count == 2 ? String(rest[1]) : "").path
            } else if name.hasPrefix("/") {
                resolved = name
            } else {
                resolved = URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent(name).path
            }
            resolved = URL(fileURLWithPath: resolved).standardizedFileURL.path
            do {
                return try MeshFile.load(path: resolved, root: root).map {
                    ShapePart(.mesh($0.mesh.transformed(scale: SIMD3(scale[0], scale[1], scale[2]))), color: $0.color, texture: $0.texture)
                }
            } catch let e as MeshError {
                throw err(gp + "@filename", e.reason)
            }
        }

        /// A mesh named through the package search path (robot plugins).
        func packageMeshParts(_ s: XMLTag, _ packages: PackagePath, path gp: String) throws -> [ShapePart] {
            guard let name = s.attribute(forName: "filename")?.stringValue, !name.isEmpty else {
                throw err(gp + "@filename", "expected a mesh file name")
            }
            let scale = try numbers(s, "scale", count: 3, path: gp, default: [1, 1, 1])
            guard scale.allSatisfy({ $0 != 0 }) else { throw err(gp + "@scale", "expected non-zero scale factors") }
            do {
                let (resolved, root) = try packages.resolveMesh(name, urdfFile: file)
                return try MeshCache.shared.parts(path: resolved, root: root).map {
                    ShapePart(.mesh($0.mesh.transformed(scale: SIMD3(scale[0], scale[1], scale[2]))), color: $0.color)
                }
            } catch let e as PackagePath.LookupError {
                throw err(gp + "@filename", e.description)
            } catch let e as MeshError {
                throw err(gp + "@filename", e.reason)
            }
        }

        func err(_ path: String, _ message: String) -> URDFError { URDFError(file: file, element: path, message) }

        func numbers(_ e: XMLTag, _ attr: String, count: Int, path: String, default value: [Double]? = nil) throws -> [Double] {
            guard let text = e.attribute(forName: attr)?.stringValue else {
                if let value { return value }
                throw err(path + "@" + attr, "expected attribute '\(attr)' with \(count) number(s)")
            }
            let parts = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "," })
            let values = parts.compactMap { Double($0) }
            // Robot dimensions, masses, limits and gains are far below 1e6; 1e308 used to pass and overflow later.
            guard values.count == count, parts.count == count, values.allSatisfy({ $0.isFinite && abs($0) <= 1e6 }) else {
                throw err(path + "@" + attr, "expected \(count) number(s) of magnitude at most 1e6, got '\(Excerpt.of(text))'")
            }
            return values
        }

        func number(_ e: XMLTag, _ attr: String, path: String, default value: Double? = nil) throws -> Double {
            try numbers(e, attr, count: 1, path: path, default: value.map { [$0] })[0]
        }

        func origin(_ parent: XMLTag, path: String) throws -> Pose {
            guard let o = parent.elements(forName: "origin").first else { return .identity }
            let xyz = try numbers(o, "xyz", count: 3, path: path + "/origin", default: [0, 0, 0])
            let rpy = try numbers(o, "rpy", count: 3, path: path + "/origin", default: [0, 0, 0])
            return Pose(position: SIMD3(xyz[0], xyz[1], xyz[2]), orientation: Quaternion(roll: rpy[0], pitch: rpy[1], yaw: rpy[2]))
        }

        func color(_ material: XMLTag, path: String) throws -> Color? {
            guard let c = material.elements(forName: "color").first else { return nil }
            let rgba = try numbers(c, "rgba", count: 4, path: path + "/color")
            return Color(rgba[0], rgba[1], rgba[2])
        }

        func shapes(_ link: XMLTag, _ tag: String, path: String) throws -> [ShapePart] {
            try link.elements(forName: tag).enumerated().flatMap { (k, e) -> [ShapePart] in
                let p = "\(path)/\(tag)[\(k)]"
                guard let g = e.elements(forName: "geometry").first, let s = g.childElements.first else {
                    throw err(p + "/geometry", "expected a <geometry> with one shape")
                }
                let gp = p + "/geometry/" + s.name
                let shape: Shape
                // A visual's own material colour (by value or by a robot-level name); a mesh's MTL colour wins.
                var own: Color? = nil
                if tag == "visual", let m = e.elements(forName: "material").first {
                    own = try color(m, path: p + "/material") ?? m.attribute(forName: "name")?.stringValue.flatMap { materials[$0] }
                }
                if s.name == "mesh" {
                    let placed = try origin(e, path: p)
                    var parts = try meshParts(s, path: gp)
                    // One collision mesh, one convex hull: a file split by material collides as a whole.
                    if tag == "collision", parts.count > 1 {
                        parts = [ShapePart(.mesh(TriangleMesh(joining: parts.compactMap(\.shape.triangleMesh))))]
                    }
                    return parts.map {
                        var q = $0
                        q.pose = placed
                        q.color = q.color ?? own
                        return q
                    }
                }
                switch s.name {
                case "box":
                    let size = try numbers(s, "size", count: 3, path: gp)
                    guard size.allSatisfy({ $0 > 0 }) else { throw err(gp + "@size", "expected positive sizes") }
                    shape = .box(halfExtents: SIMD3(size[0], size[1], size[2]) / 2)
                case "sphere":
                    let r = try number(s, "radius", path: gp)
                    guard r > 0 else { throw err(gp + "@radius", "expected a positive radius") }
                    shape = .sphere(radius: r)
                case "cylinder", "capsule":
                    let r = try number(s, "radius", path: gp)
                    let len = try number(s, "length", path: gp)
                    guard r > 0, len >= 0 else { throw err(gp, "expected a positive radius and a non-negative length") }
                    // URDF cylinder length is the full height; a capsule's length is between the sphere centres.
                    shape = s.name == "cylinder" ? .cylinder(radius: r, halfHeight: len / 2) : .capsule(radius: r, halfHeight: len / 2)
                default:
                    throw err(gp, "unknown geometry; expected box, sphere, cylinder or capsule")
                }
                return [ShapePart(shape, pose: try origin(e, path: p), color: own)]
            }
        }

        func link(_ l: XMLTag, name: String) throws -> LinkSpec {
            let path = "robot/link[\(name)]"
            var inertial = Inertial(mass: 0, ixx: 0, iyy: 0, izz: 0)
            if let i = l.elements(forName: "inertial").first {
                let ip = path + "/inertial"
                guard let m = i.elements(forName: "mass").first else { throw err(ip + "/mass", "expected <mass value=\"...\"/>") }
                let mass = try number(m, "value", path: ip + "/mass")
                guard mass >= 0 else { throw err(ip + "/mass@value", "expected a non-negative mass, got \(mass)") }
                guard let t = i.elements(forName: "inertia").first else { throw err(ip + "/inertia", "expected <inertia ixx=... />") }
                let v =
                    try ["ixx", "iyy", "izz"].map { try number(t, $0, path: ip + "/inertia") }
                    + ["ixy", "ixz", "iyz"].map { try number(t, $0, path: ip + "/inertia", default: 0) }
                guard v[0] >= 0, v[1] >= 0, v[2] >= 0 else { throw err(ip + "/inertia", "expected non-negative principal moments") }
                inertial = Inertial(mass: mass, frame: try origin(i, path: ip), ixx: v[0], iyy: v[1], izz: v[2], ixy: v[3], ixz: v[4], iyz: v[5])
            }
            let collision = try shapes(l, "collision", path: path)
            let visual = try shapes(l, "visual", path: path)
            var color = Color(0.9, 0.9, 0.9)
            if let m = l.elements(forName: "visual").first?.elements(forName: "material").first {
                if let c = try self.color(m, path: path + "/visual/material") {
                    color = c
                } else if let n = m.attribute(forName: "name")?.stringValue, let c = materials[n] {
                    color = c
                }
            }
            var friction = 0.9
            if let f = l.elements(forName: "contact").first?.elements(forName: "lateral_friction").first {
                friction = try number(f, "value", path: path + "/contact/lateral_friction")
                guard friction >= 0 else { throw err(path + "/contact/lateral_friction@value", "expected a non-negative friction") }
            }
            return LinkSpec(name: name, inertial: inertial, collision: collision, visual: visual, color: color, friction: friction)
        }

        func joint(_ j: XMLTag, name: String, path: String) throws -> JointSpec {
            let typeName = j.attribute(forName: "type")?.stringValue ?? ""
            let kind: JointKind
            var continuous = false
            switch typeName {
            case "revolute": kind = .revolute
            case "continuous":
                kind = .revolute
                continuous = true
            case "prismatic": kind = .prismatic
            case "fixed": kind = .fixed
            default: throw err(path + "@type", "expected revolute, continuous, prismatic or fixed, got '\(Excerpt.of(typeName))'")
            }
            var axis = SIMD3<Double>(1, 0, 0)  // the URDF default
            if let a = j.elements(forName: "axis").first {
                let v = try numbers(a, "xyz", count: 3, path: path + "/axis")
                axis = SIMD3(v[0], v[1], v[2])
            }
            if kind != .fixed {
                let n = length(axis)
                guard n > 1e-9 else { throw err(path + "/axis@xyz", "expected a non-zero axis") }
                axis /= n
            }
            var spec = JointSpec(name: name, kind: kind, parent: -1, child: -1, origin: try origin(j, path: path), axis: axis)
            if let l = j.elements(forName: "limit").first {
                let lp = path + "/limit"
                spec.lower = try number(l, "lower", path: lp, default: 0)
                spec.upper = try number(l, "upper", path: lp, default: 0)
                spec.effort = try number(l, "effort", path: lp, default: 0)
                spec.velocity = try number(l, "velocity", path: lp, default: 0)
                guard spec.effort >= 0, spec.velocity >= 0 else { throw err(lp, "expected non-negative effort and velocity") }
                guard continuous || kind == .fixed || spec.lower <= spec.upper else {
                    throw err(lp, "expected lower <= upper, got \(spec.lower) > \(spec.upper)")
                }
            } else if kind == .revolute && !continuous || kind == .prismatic {
                throw err(path + "/limit", "a \(typeName) joint needs <limit lower upper effort velocity/>")
            }
            if continuous {
                spec.lower = 1
                spec.upper = -1
            }  // lower > upper: no limit
            if let d = j.elements(forName: "dynamics").first {
                spec.damping = try number(d, "damping", path: path + "/dynamics", default: 0)
                spec.friction = try number(d, "friction", path: path + "/dynamics", default: 0)
            }
            return spec
        }
    }
}
