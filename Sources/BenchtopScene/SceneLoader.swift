import BenchtopCore
import BenchtopMesh
import Foundation
import Yams

/// Loads and validates scene files (YAML, or JSON, which YAML reads too).
public enum SceneLoader {
    /// Loads the scene at `path`. A bare name such as `pick_cube` is looked up in `scenes/`.
    public static func load(path: String) throws -> Scene {
        let resolved = resolve(path)
        let text: String
        do { text = try BoundedFile.readText(resolved, maxBytes: maxFileBytes) } catch {
            throw SceneError(.unreadable, file: resolved, keyPath: "", "\(error)")
        }
        let fallbackName = URL(fileURLWithPath: resolved).deletingPathExtension().lastPathComponent
        return try parse(text, file: resolved, defaultName: fallbackName)
    }

    /// Largest scene file read (the shipped scenes are about 2 KB).
    public static let maxFileBytes = 4 << 20

    /// Finds a scene file: an existing path, else `scenes/NAME.yaml` under the current directory or the
    /// directory given by BENCHTOP_SCENES.
    public static func resolve(_ path: String) -> String {
        let fm = FileManager.default
        if fm.fileExists(atPath: path) { return path }
        var dirs = ["scenes"]
        if let env = ProcessInfo.processInfo.environment["BENCHTOP_SCENES"] { dirs.insert(env, at: 0) }
        for dir in dirs {
            for ext in ["yaml", "yml", "json"] {
                let candidate = "\(dir)/\(path).\(ext)"
                if fm.fileExists(atPath: candidate) { return candidate }
            }
        }
        return path
    }

    /// Parses scene text; `file` names the source in errors, and its folder is the first asset root. A `confined`
    /// scene (one embedded in a dataset) may not name asset_path folders outside that folder.
    public static func parse(_ text: String, file: String, defaultName: String = "scene", confined: Bool = false) throws -> Scene {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw SceneError(.syntax, file: file, keyPath: "", "the file is empty; expected a scene mapping")
            }
            root = node
        } catch let e as SceneError {
            throw e
        } catch let e as YamlError {
            // Yams quotes the offending line; keep only its first line, shortened.
            let firstLine = "\(e)".split(separator: "\n").first.map(String.init) ?? ""
            throw SceneError(.syntax, file: file, keyPath: "", "not valid YAML: \(Excerpt.of(firstLine, limit: 160))")
        }
        return try SceneParser(file: file, confined: confined).scene(NodeReader(node: root, path: "", file: file), defaultName: defaultName)
    }
}

/// The field-by-field reader behind `SceneLoader`.
struct SceneParser {
    let file: String
    let confined: Bool
    var roots: AssetRoots

    init(file: String, confined: Bool) throws {
        self.file = file
        self.confined = confined
        roots = try AssetRoots(sceneFile: file)
    }

    func scene(_ r: NodeReader, defaultName: String) throws -> Scene {
        let m = try r.mapping()
        var parser = self
        if let v = m.optional("asset_path") {
            let dirs = try v.list().map { try $0.string() }
            do { parser.roots = try AssetRoots(sceneFile: file, assetPath: dirs, confined: confined) } catch let e as AssetRoots.LookupError {
                throw v.error(.unreadable, e.description)
            }
        }
        return try parser.sceneBody(r, m, defaultName: defaultName)
    }

    func sceneBody(_ r: NodeReader, _ m: MappingReader, defaultName: String) throws -> Scene {
        var scene = Scene(name: try m.optional("name")?.string() ?? defaultName)
        scene.description = try m.optional("description")?.string() ?? ""
        if let p = m.optional("physics") { scene.physics = try physics(p) }
        if let t = m.optional("table") { scene.table = try table(t) }
        if let o = m.optional("objects") { scene.objects = try o.list().map(object) }
        if let l = m.optional("lights") { scene.lights = try l.list().map(light) }
        if let b = m.optional("background") { scene.background = try color(b) }
        if let c = m.optional("cameras") { scene.cameras = try c.list().map(camera) }
        if let rb = m.optional("robots") { scene.robots = try rb.list().map(robot) }
        let taskReader = m.optional("task")
        try m.finish(allowed: [
            "name", "description", "physics", "table", "objects", "lights", "background",
            "cameras", "robots", "task", "asset_path",
        ])
        try checkUniqueNames(scene.objects.map(\.name), r.child("objects", r.node), what: "object")
        try checkUniqueNames(scene.cameras.map(\.name), r.child("cameras", r.node), what: "camera")
        try checkUniqueNames(scene.robots.map(\.name), r.child("robots", r.node), what: "robot")
        try checkStartsOutsideTheTable(scene, r.child("objects", r.node))
        if let t = taskReader { scene.task = try task(t, objects: Set(scene.objects.map(\.name)), scene: scene) }
        for (i, cam) in scene.cameras.enumerated() {
            if case .link(let robot, _, _) = cam.mount, !scene.robots.contains(where: { $0.name == robot }) {
                throw SceneError(
                    .unknownName, file: file, keyPath: "cameras[\(i)].mount.robot", line: nil,
                    "no robot named '\(robot)' in this scene; robots: \(scene.robots.map(\.name).joined(separator: ", "))")
            }
        }
        return scene
    }

    /// An object placed with an explicit z deep inside the table top is thrown out by the contact solver at
    /// the first steps (and can "succeed" at being lifted with no robot near it): a scene error, not a start.
    func checkStartsOutsideTheTable(_ scene: Scene, _ r: NodeReader) throws {
        let t = scene.table
        for (i, o) in scene.objects.enumerated() where !o.restsOnTable && !o.isStatic && o.orientation.x == 0 && o.orientation.y == 0 {
            let h = o.asset.halfExtents
            let overTable = abs(o.position.x - t.center.x) < t.size.x / 2 + h.x && abs(o.position.y - t.center.y) < t.size.y / 2 + h.y
            let depth = t.height - (o.position.z - h.z)
            guard overTable, depth > 0.005, o.position.z + h.z > t.height - t.thickness else { continue }
            throw SceneError(
                .outOfRange, file: file, keyPath: "\(r.path)[\(i)].position", line: nil,
                String(
                    format:
                        "'%@' starts %.1f cm inside the table top (its bottom at z = %.3f m, the top at %.3f m); give [x, y] to rest it on the table",
                    o.name, depth * 100, o.position.z - h.z, t.height))
        }
    }

    func checkUniqueNames(_ names: [String], _ r: NodeReader, what: String) throws {
        var seen = Set<String>()
        for (i, n) in names.enumerated() {
            if !seen.insert(n).inserted {
                throw SceneError(
                    .duplicateName, file: file, keyPath: "\(r.path)[\(i)].name", line: nil,
                    "duplicate \(what) name '\(n)'; names must be unique")
            }
        }
    }

    // MARK: sections

    func physics(_ r: NodeReader) throws -> PhysicsSettings {
        let m = try r.mapping()
        var p = PhysicsSettings()
        if let v = m.optional("time_step") {
            // Below 0.1 ms a task's time limit is millions of steps; above 50 ms contacts are not resolved.
            p.timeStep = try v.double(in: 1e-4...0.05, "s")
        }
        if let v = m.optional("solver_iterations") {
            p.solverIterations = try v.int()
            guard (1...1000).contains(p.solverIterations) else { throw v.error(.outOfRange, "expected 1 to 1000, got \(p.solverIterations)") }
        }
        if let v = m.optional("gravity") { p.gravity = try v.vector3() }
        if let v = m.optional("contact_erp") {
            p.contactERP = try v.double()
            guard (0...1).contains(p.contactERP) else { throw v.error(.outOfRange, "expected 0 to 1, got \(p.contactERP)") }
        }
        if let v = m.optional("split_impulse") { p.splitImpulse = try v.bool() }
        try m.finish(allowed: ["time_step", "solver_iterations", "gravity", "contact_erp", "split_impulse"])
        return p
    }

    func table(_ r: NodeReader) throws -> Table {
        let m = try r.mapping()
        var t = Table()
        if let v = m.optional("size") {
            let s = try v.doubles(count: 2...2)
            guard s[0] > 0, s[1] > 0 else { throw v.error(.outOfRange, "expected positive sizes, got \(s)") }
            t.size = SIMD2(s[0], s[1])
        }
        if let v = m.optional("center") {
            let c = try v.doubles(count: 2...2)
            t.center = SIMD2(c[0], c[1])
        }
        if let v = m.optional("height") { t.height = try v.positiveDouble() }
        if let v = m.optional("thickness") { t.thickness = try v.positiveDouble() }
        if let v = m.optional("friction") { t.friction = try v.nonNegativeDouble() }
        if let v = m.optional("color") { t.color = try color(v) }
        if let v = m.optional("texture") {
            let name = try v.string()
            guard let tex = TableTexture(rawValue: name) else {
                throw v.error(
                    .outOfRange, "unknown texture '\(name)'; expected one of: \(TableTexture.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            t.texture = tex
        }
        try m.finish(allowed: ["size", "center", "height", "thickness", "friction", "color", "texture"])
        return t
    }

    func color(_ r: NodeReader) throws -> Color {
        if case .scalar = r.node {
            let name = try r.string()
            guard let c = namedColors[name] else {
                throw r.error(
                    .outOfRange, "unknown colour '\(name)'; use [r, g, b] in 0..1 or one of: \(namedColors.keys.sorted().joined(separator: ", "))")
            }
            return c
        }
        let v = try r.doubles(count: 3...3)
        guard v.allSatisfy({ (0...1).contains($0) }) else { throw r.error(.outOfRange, "expected colour components in 0..1, got \(v)") }
        return Color(v[0], v[1], v[2])
    }

    func object(_ r: NodeReader) throws -> SceneObject {
        let m = try r.mapping()
        let name = try m.required("name", "a unique object name").string()
        let assetReader = try m.required("asset", "one of: \(Asset.catalog.keys.sorted().joined(separator: ", "))")
        let assetName = try assetReader.string()
        guard let params = Asset.catalog[assetName] else {
            throw assetReader.error(
                .unknownAsset, "unknown asset '\(assetName)'; expected one of: \(Asset.catalog.keys.sorted().joined(separator: ", "))")
        }
        let asset = try self.asset(assetName, m, params: params)
        var isStatic = try m.optional("static")?.bool() ?? !asset.collides
        var mass = 0.0
        if case .urdf(let u) = asset {
            // Masses come from the URDF's inertials; a rigid one may be overridden.
            mass = u.spec.links.reduce(0) { $0 + $1.inertial.mass }
            if let v = m.optional("mass") {
                guard u.isRigid else { throw v.error(.wrongType, "an articulated URDF object takes its masses from the file's <inertial> elements") }
                mass = try v.positiveDouble()
            }
            if u.fixedBase { isStatic = u.isRigid }
            guard mass > 0 || isStatic || u.fixedBase else { throw r.error(.missingKey, "the URDF gives no mass; add 'mass' (kg, > 0)") }
        } else if let v = m.optional("mass") {
            if m.has("density") { throw v.error(.wrongType, "give either 'mass' or 'density', not both") }
            mass = try v.positiveDouble()
        } else if let v = m.optional("density"), case .mesh(let mesh) = asset {
            let density = try v.positiveDouble()
            let volume = mesh.volume
            guard volume > 1e-9 else { throw v.error(.outOfRange, "the mesh encloses no volume (not closed?); give 'mass' instead") }
            mass = density * volume
        } else if !isStatic {
            throw r.error(.missingKey, "missing required key 'mass' (kg, > 0) for a movable object")
        }
        let colorValue = try m.optional("color").map(color) ?? Color(0.7, 0.7, 0.7)
        let posReader = try m.required("position", "[x, y] on the table or [x, y, z] in metres")
        let pos = try posReader.doubles(count: 2...3)
        var orientation = SIMD3<Double>.zero
        if let v = m.optional("yaw") { orientation.z = try v.double() }
        if let v = m.optional("orientation") {
            if m.has("yaw") { throw v.error(.wrongType, "give either 'yaw' or 'orientation' [roll, pitch, yaw], not both") }
            orientation = try v.vector3()
        }
        var object = SceneObject(
            name: name, asset: asset, mass: mass, color: colorValue,
            position: SIMD3(pos[0], pos[1], pos.count == 3 ? pos[2] : 0),
            restsOnTable: pos.count == 2, orientation: orientation, isStatic: isStatic)
        if let v = m.optional("friction") { object.friction = try v.nonNegativeDouble() }
        if let v = m.optional("rolling_friction") { object.rollingFriction = try v.nonNegativeDouble() }
        if let v = m.optional("spinning_friction") { object.spinningFriction = try v.nonNegativeDouble() }
        if let v = m.optional("restitution") {
            object.restitution = try v.double()
            guard (0...1).contains(object.restitution) else { throw v.error(.outOfRange, "expected 0 to 1, got \(object.restitution)") }
        }
        if let v = m.optional("randomize") { object.randomization = try randomization(v) }
        if let v = m.optional("texture") {
            let name = try v.string()
            guard let tex = ObjectTexture(rawValue: name) else {
                throw v.error(
                    .outOfRange,
                    "unknown object texture '\(name)'; expected one of: \(ObjectTexture.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            object.texture = tex
        }
        try m.finish(
            allowed: [
                "name", "asset", "mass", "color", "position", "yaw", "orientation", "friction",
                "rolling_friction", "spinning_friction", "restitution", "static", "randomize", "texture",
            ]
                + params.required + params.optional)
        return object
    }

    func asset(_ name: String, _ m: MappingReader, params: (required: [String], optional: [String])) throws -> Asset {
        func size() throws -> SIMD3<Double> {
            let v = try m.required("size", "edge length or [x, y, z] in metres")
            if case .scalar = v.node {
                let e = try v.positiveDouble()
                return SIMD3(repeating: e)
            }
            let s = try v.vector3()
            guard s.x > 0, s.y > 0, s.z > 0 else { throw v.error(.outOfRange, "expected positive sizes, got [\(s.x), \(s.y), \(s.z)]") }
            return s
        }
        func positive(_ key: String, _ what: String) throws -> Double { try m.required(key, what).positiveDouble() }
        func wall(default value: Double, below limit: Double) throws -> Double {
            guard let v = m.optional("wall") else { return value }
            let w = try v.positiveDouble()
            guard w < limit else { throw v.error(.outOfRange, "expected a wall thinner than \(limit) m, got \(w)") }
            return w
        }
        switch name {
        case "cube": return .cube(size: try size())
        case "cylinder": return .cylinder(radius: try positive("radius", "metres"), height: try positive("height", "metres"))
        case "can": return .can(radius: try positive("radius", "metres"), height: try positive("height", "metres"))
        case "sphere": return .sphere(radius: try positive("radius", "metres"))
        case "bowl":
            let r = try positive("radius", "metres")
            let h = try positive("height", "metres")
            return .bowl(radius: r, height: h, wall: try wall(default: 0.006, below: min(r / 2, h / 2)))
        case "mug":
            let r = try positive("radius", "metres")
            let h = try positive("height", "metres")
            return .mug(radius: r, height: h, wall: try wall(default: 0.005, below: min(r / 2, h / 2)))
        case "plate":
            return .plate(radius: try positive("radius", "metres"), height: try m.optional("height")?.positiveDouble() ?? 0.015)
        case "tray":
            let s = try size()
            return .tray(size: s, wall: try wall(default: 0.008, below: min(s.x, s.y, s.z) / 2))
        case "bin":
            let s = try size()
            return .bin(size: s, wall: try wall(default: 0.008, below: min(s.x, s.y, s.z) / 2))
        case "marker": return .marker(radius: try positive("radius", "metres"))
        case "bottle": return .bottle(radius: try positive("radius", "metres"), height: try positive("height", "metres"))
        case "ellipsoid": return .ellipsoid(radii: try size() / 2)
        case "prism":
            let v = try m.required("sides", "number of faces around z, 3 ... 12")
            let n = try v.int()
            guard (3...12).contains(n) else { throw v.error(.outOfRange, "expected 3 ... 12 sides, got \(n)") }
            return .prism(sides: n, radius: try positive("radius", "metres"), height: try positive("height", "metres"))
        case "mesh": return .mesh(try meshAsset(m))
        case "urdf":
            let (file, path, root) = try assetFile(m, kinds: ["urdf"])
            let spec: ArticulationSpec
            do {
                spec = try URDFParser.load(path: path, meshRoot: root)
            } catch let e as URDFError {
                throw try m.required("file", "").error(.unreadable, "\(e.element): \(e.message)")
            }
            let fixed = try m.optional("fixed_base")?.bool() ?? (spec.links.count > 1)
            var joints: [String: Double] = [:]
            if let v = m.optional("joints") {
                let jm = try v.mapping()
                let names = Set(spec.movableJoints.map(\.name))
                for key in jm.keys {
                    guard names.contains(key) else {
                        throw v.error(
                            .unknownName, "no movable joint '\(key)' in \(file); joints: \(names.sorted().joined(separator: ", "))",
                            at: "\(v.path).\(key)")
                    }
                    joints[key] = try jm.required(key, "a joint position").double()
                }
            }
            return .urdf(URDFAsset(file: file, path: path, spec: spec, fixedBase: fixed, initialJoints: joints))
        default: preconditionFailure("asset catalog and parser disagree on '\(name)'")
        }
    }

    /// An asset's `file`, found under the scene's asset roots and of one of the expected kinds.
    func assetFile(_ m: MappingReader, kinds: Set<String>) throws -> (file: String, path: String, root: String) {
        let v = try m.required("file", "a path relative to the scene file or to an asset_path directory")
        let file = try v.string()
        let ext = URL(fileURLWithPath: file).pathExtension.lowercased()
        guard kinds.contains(ext) else {
            throw v.error(.outOfRange, "expected a file ending in one of: \(kinds.sorted().map { "." + $0 }.joined(separator: ", ")), got '\(file)'")
        }
        do {
            let found = try roots.resolve(file)
            return (file, found.path, found.root)
        } catch let e as AssetRoots.LookupError {
            throw v.error(.unreadable, e.description)
        }
    }

    func randomization(_ r: NodeReader) throws -> PlacementRandomization {
        let m = try r.mapping()
        var p = PlacementRandomization()
        // Offsets beyond the floor (50 m) or a few turns are typos, not randomisation.
        func bounded(_ v: NodeReader, _ limit: Double, _ unit: String) throws -> ClosedRange<Double> {
            let r = try v.range()
            guard r.lowerBound >= -limit, r.upperBound <= limit else {
                throw v.error(.outOfRange, "expected offsets within -\(limit) ... \(limit) \(unit), got [\(r.lowerBound), \(r.upperBound)]")
            }
            return r
        }
        if let v = m.optional("x") { p.x = try bounded(v, 10, "m") }
        if let v = m.optional("y") { p.y = try bounded(v, 10, "m") }
        if let v = m.optional("yaw") { p.yaw = try bounded(v, 4 * .pi, "rad") }
        try m.finish(allowed: ["x", "y", "yaw"])
        return p
    }

    func light(_ r: NodeReader) throws -> Light {
        let m = try r.mapping()
        var l = Light()
        if let v = m.optional("direction") {
            l.direction = try v.vector3()
            guard length(l.direction) > 0 else { throw v.error(.outOfRange, "expected a non-zero direction") }
        }
        if let v = m.optional("color") { l.color = try color(v) }
        if let v = m.optional("intensity") { l.intensity = try v.nonNegativeDouble() }
        if let v = m.optional("shadows") { l.castsShadows = try v.bool() }
        try m.finish(allowed: ["direction", "color", "intensity", "shadows"])
        return l
    }

    func camera(_ r: NodeReader) throws -> Camera {
        let m = try r.mapping()
        let name = try m.required("name", "a unique camera name").string()
        var mount: CameraMount
        if let v = m.optional("look_at") {
            let eye = try m.required("position", "camera position [x, y, z] in metres").vector3()
            let up = try m.optional("up")?.vector3() ?? SIMD3(0, 0, 1)
            let target = try v.vector3()
            guard length(target - eye) > 1e-9 else { throw v.error(.outOfRange, "the target must differ from the camera position") }
            mount = .lookAt(eye: eye, target: target, up: up)
        } else if let v = m.optional("mount") {
            let mm = try v.mapping()
            let robot = try mm.required("robot", "robot name").string()
            let link = try mm.required("link", "link name").string()
            var offset = Pose.identity
            if let p = mm.optional("position") { offset.position = try p.vector3() }
            if let o = mm.optional("orientation") {
                let rpy = try o.vector3()
                offset.orientation = Quaternion(roll: rpy.x, pitch: rpy.y, yaw: rpy.z)
            }
            try mm.finish(allowed: ["robot", "link", "position", "orientation"])
            mount = .link(robot: robot, link: link, offset: offset)
        } else {
            let pos = try m.required("position", "camera position, with 'look_at' or 'orientation'").vector3()
            let rpy = try m.required("orientation", "[roll, pitch, yaw] (or give 'look_at')").vector3()
            mount = .pose(Pose(position: pos, orientation: Quaternion(roll: rpy.x, pitch: rpy.y, yaw: rpy.z)))
        }
        var cam = Camera(name: name, mount: mount)
        if let v = m.optional("fov") {
            let f = try v.double(in: 1...170, "degrees (vertical field of view)")
            cam.intrinsics = .verticalFieldOfView(degrees: f)
        }
        if let v = m.optional("intrinsics") {
            if m.has("fov") { throw v.error(.wrongType, "give either 'fov' or 'intrinsics', not both") }
            let mm = try v.mapping()
            cam.intrinsics = .focal(
                fx: try mm.required("fx", "pixels").positiveDouble(), fy: try mm.required("fy", "pixels").positiveDouble(),
                cx: try mm.required("cx", "pixels").double(), cy: try mm.required("cy", "pixels").double())
            try mm.finish(allowed: ["fx", "fy", "cx", "cy"])
        }
        if let v = m.optional("resolution") {
            let items = try v.list()
            guard items.count == 2 else { throw v.error(.wrongType, "expected [width, height] in pixels") }
            cam.width = try items[0].int()
            cam.height = try items[1].int()
            guard (1...8192).contains(cam.width), (1...8192).contains(cam.height) else {
                throw v.error(.outOfRange, "expected width and height in 1...8192, got [\(cam.width), \(cam.height)]")
            }
        }
        if let v = m.optional("near") { cam.near = try v.double(in: 1e-4...100, "m") }
        if let v = m.optional("far") { cam.far = try v.double(in: 1e-3...1e4, "m") }
        guard cam.far > cam.near else { throw r.error(.outOfRange, "expected far > near, got near \(cam.near), far \(cam.far)") }
        try m.finish(allowed: [
            "name", "position", "look_at", "up", "orientation", "mount", "fov", "intrinsics",
            "resolution", "near", "far",
        ])
        return cam
    }

    func robot(_ r: NodeReader) throws -> RobotPlacement {
        let m = try r.mapping()
        let embodiment = try m.required("embodiment", "a registered embodiment name (benchtop embodiments list)").string()
        let name = try m.optional("name")?.string() ?? embodiment
        var base = Pose.identity
        if let v = m.optional("position") { base.position = try v.vector3() }
        if let v = m.optional("yaw") { base.orientation = Quaternion(axis: SIMD3(0, 0, 1), angle: try v.double()) }
        let joints = try m.optional("joints")?.list().map { try $0.double() }
        try m.finish(allowed: ["name", "embodiment", "position", "yaw", "joints"])
        return RobotPlacement(name: name, embodiment: embodiment, base: base, initialJoints: joints)
    }

    func task(_ r: NodeReader, objects: Set<String>, scene: Scene) throws -> TaskSpec {
        let m = try r.mapping()
        let instruction = try m.required("instruction", "the instruction given to the policy").string()
        var joints: [String: [String]] = [:]
        for o in scene.objects {
            if case .urdf(let u) = o.asset, !u.isRigid { joints[o.name] = u.spec.movableJoints.map(\.name) }
        }
        let parser = PredicateParser(objects: objects, joints: joints)
        let success = try parser.predicate(try m.required("success", "a success predicate"))
        var spec = TaskSpec(instruction: instruction, success: success)
        if let v = m.optional("stages") {
            spec.stages = try v.list().map { s in
                let sm = try s.mapping()
                let stage = TaskStage(
                    name: try sm.required("name", "stage name").string(),
                    predicate: try parser.predicate(try sm.required("predicate", "a predicate")))
                try sm.finish(allowed: ["name", "predicate"])
                return stage
            }
        }
        if let v = m.optional("time_limit") { spec.timeLimit = try v.double(in: 0.01...3600, "s") }
        try m.finish(allowed: ["instruction", "success", "stages", "time_limit"])
        return spec
    }
}

/// Reads task predicates, checking every object and joint they name.
private struct PredicateParser {
    let objects: Set<String>
    /// Movable joint names of each articulated object.
    let joints: [String: [String]]

    static let names = ["lifted", "on", "in", "near", "upright", "grasped", "open", "closed", "joint", "all", "any", "not"]

    func predicate(_ r: NodeReader) throws -> TaskPredicate {
        let m = try r.mapping()
        guard m.keys.count == 1, let key = m.keys.first else {
            throw r.error(.wrongType, "expected exactly one predicate key, one of: \(Self.names.joined(separator: ", "))")
        }
        guard Self.names.contains(key), let body = m.optional(key) else {
            try m.finish(allowed: Self.names)  // throws: names the unknown predicate key
            preconditionFailure("finish() accepted an unread key")
        }
        func objectName(_ pm: MappingReader, _ key: String) throws -> String {
            let v = try pm.required(key, "an object name")
            let name = try v.string()
            guard objects.contains(name) else {
                throw v.error(.unknownName, "no object named '\(name)' in this scene; objects: \(objects.sorted().joined(separator: ", "))")
            }
            return name
        }
        switch key {
        case "all", "any":
            let items = try body.list().map { try predicate($0) }
            guard !items.isEmpty else { throw body.error(.outOfRange, "expected at least one predicate") }
            return key == "all" ? .all(items) : .any(items)
        case "not":
            return .not(try predicate(body))
        default:
            let pm = try body.mapping()
            let p: TaskPredicate
            switch key {
            case "lifted":
                p = .lifted(object: try objectName(pm, "object"), height: try pm.optional("height")?.positiveDouble() ?? 0.05)
                try pm.finish(allowed: ["object", "height"])
            case "on":
                p = .on(
                    object: try objectName(pm, "object"), target: try objectName(pm, "target"),
                    tolerance: try pm.optional("tolerance")?.positiveDouble() ?? 0.03)
                try pm.finish(allowed: ["object", "target", "tolerance"])
            case "in":
                p = .inside(object: try objectName(pm, "object"), container: try objectName(pm, "container"))
                try pm.finish(allowed: ["object", "container"])
            case "near":
                let o = try objectName(pm, "object")
                let t = try pm.required("target", "an object name or a point [x, y]")
                let target: NearTarget
                if case .sequence = t.node {
                    let xy = try t.doubles(count: 2...2)
                    target = .point(SIMD2(xy[0], xy[1]))
                } else {
                    let n = try t.string()
                    guard objects.contains(n) else { throw t.error(.unknownName, "no object named '\(n)' in this scene") }
                    target = .object(n)
                }
                p = .near(object: o, target: target, distance: try pm.optional("distance")?.positiveDouble() ?? 0.05)
                try pm.finish(allowed: ["object", "target", "distance"])
            case "upright":
                p = .upright(object: try objectName(pm, "object"), tolerance: try pm.optional("tolerance")?.positiveDouble() ?? 0.2)
                try pm.finish(allowed: ["object", "tolerance"])
            case "open", "closed", "joint":
                let o = try objectName(pm, "object")
                let jv = try pm.required("joint", "a movable joint of the object")
                let jn = try jv.string()
                guard let names = joints[o] else {
                    throw try pm.required("object", "").error(.unknownName, "'\(o)' is not an articulated object (asset: urdf with joints)")
                }
                guard names.contains(jn) else {
                    throw jv.error(.unknownName, "no movable joint '\(jn)' in '\(o)'; joints: \(names.joined(separator: ", "))")
                }
                if key == "joint" {
                    let above = try pm.optional("above")?.double() ?? -.infinity
                    let below = try pm.optional("below")?.double() ?? .infinity
                    guard above.isFinite || below.isFinite else { throw body.error(.missingKey, "give 'above' and/or 'below' (metres or radians)") }
                    guard above <= below else { throw body.error(.outOfRange, "expected above <= below, got \(above) > \(below)") }
                    p = .joint(object: o, joint: jn, measure: .position, range: above...below)
                    try pm.finish(allowed: ["object", "joint", "above", "below"])
                } else {
                    let fv = pm.optional("fraction")
                    let fraction = try fv?.double() ?? (key == "open" ? 0.8 : 0.1)
                    guard (0...1).contains(fraction) else { throw (fv ?? body).error(.outOfRange, "expected a fraction in 0 ... 1, got \(fraction)") }
                    p = .joint(
                        object: o, joint: jn, measure: .openFraction,
                        range: key == "open" ? fraction...Double.infinity : -Double.infinity...fraction)
                    try pm.finish(allowed: ["object", "joint", "fraction"])
                }
            default:
                p = .grasped(object: try objectName(pm, "object"))
                try pm.finish(allowed: ["object"])
            }
            return p
        }
    }
}

/// Colour names accepted in scene files.
let namedColors: [String: Color] = [
    "red": Color(0.85, 0.12, 0.1), "green": Color(0.15, 0.7, 0.2), "blue": Color(0.12, 0.3, 0.85),
    "yellow": Color(0.95, 0.8, 0.1), "orange": Color(0.95, 0.5, 0.1), "purple": Color(0.55, 0.2, 0.7),
    "white": Color(0.92, 0.92, 0.92), "black": Color(0.08, 0.08, 0.08), "grey": Color(0.5, 0.5, 0.5),
    "brown": Color(0.5, 0.33, 0.2), "cyan": Color(0.1, 0.75, 0.8), "pink": Color(0.95, 0.55, 0.7),
]
