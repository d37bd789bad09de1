import BenchtopCore
import BenchtopScene
import Foundation

/// Footprints and free-space tests on the table top (xy plane).
public enum Placement {
    /// Radius of a circle that holds the asset's footprint at any yaw.
    public static func footprintRadius(_ asset: Asset) -> Double {
        let h = asset.halfExtents
        return (h.x * h.x + h.y * h.y).squareRoot()
    }

    /// The xy rectangle an object's centre can be drawn in at reset (nominal position plus its randomisation).
    public static func centreRegion(_ o: SceneObject) -> (lo: SIMD2<Double>, hi: SIMD2<Double>) {
        let r = o.randomization ?? PlacementRandomization()
        let p = SIMD2(o.position.x, o.position.y)
        return (p + SIMD2(r.x.lowerBound, r.y.lowerBound), p + SIMD2(r.x.upperBound, r.y.upperBound))
    }

    /// Distance from a point to a rectangle (0 inside).
    public static func distance(_ p: SIMD2<Double>, to region: (lo: SIMD2<Double>, hi: SIMD2<Double>)) -> Double {
        let d = pointwiseMax(pointwiseMax(region.lo - p, p - region.hi), .zero)
        return (d * d).sum().squareRoot()
    }

    /// Keep-out radius around a robot base in the xy plane: the arm's base links and the space it folds into.
    public static let robotKeepOut = 0.30
}

/// The distractor axis: extra objects on free table space.
enum Distractors {
    /// Distractors per level.
    static let counts = [0, 2, 4, 6]
    /// Least gap between a distractor's footprint and a task object's reachable footprint, per level: far at 1,
    /// close at 3.
    static let gapToTask = [0, 0.12, 0.06, 0.02]
    /// Least gap to other objects and between distractors.
    static let gap = 0.015

    static let palette: [(String, Color)] = [
        ("yellow", Color(0.9, 0.8, 0.1)), ("blue", Color(0.15, 0.3, 0.85)), ("purple", Color(0.55, 0.25, 0.7)),
        ("white", Color(0.92, 0.92, 0.9)), ("black", Color(0.08, 0.08, 0.08)), ("teal", Color(0.1, 0.6, 0.6)),
        ("pink", Color(0.95, 0.5, 0.65)), ("brown", Color(0.45, 0.28, 0.15)), ("lime", Color(0.6, 0.85, 0.2)),
        ("orange", Color(0.95, 0.5, 0.1)), ("red", Color(0.85, 0.12, 0.1)), ("green", Color(0.15, 0.65, 0.25)),
    ]

    /// Assets by level: primitives at 1, household objects from 2, copies of the target's shape at 3.
    static func kinds(level: Int, target: Asset?) -> [(String, Asset)] {
        var k: [(String, Asset)] = [
            ("cube", .cube(size: SIMD3(repeating: 0.04))), ("cylinder", .cylinder(radius: 0.02, height: 0.06)),
            ("ball", .sphere(radius: 0.025)),
        ]
        if level >= 2 {
            k += [
                ("can", .can(radius: 0.033, height: 0.12)), ("mug", .mug(radius: 0.035, height: 0.08, wall: 0.005)),
                ("bowl", .bowl(radius: 0.06, height: 0.05, wall: 0.006)), ("bottle", .bottle(radius: 0.03, height: 0.16)),
                ("fruit", .ellipsoid(radii: SIMD3(0.035, 0.03, 0.03))),
            ]
        }
        if level >= 3, let target { k += [("lookalike", target), ("lookalike", target)] }
        return k
    }

    /// From level 2 a distractor is, one time in three, a mesh from the object library (`ObjectLibrary`).
    static func libraryPick(level: Int, _ r: SeededRandom) -> (String, Asset)? {
        var own = r.fork("library")  // its own stream: the other draws stay as they were
        let draw = own.next()
        guard level >= 2, draw % 3 == 0 else { return nil }
        return ObjectLibrary.asset(draw / 3, width: 0.06, height: 0.1).map { ("mesh \($0.name)", $0.asset) }
    }

    static func add(to v: inout Variation, level: Int, rng: inout SeededRandom) throws {
        let scene = v.scene
        let taskNames = Set(scene.task?.success.objectNames ?? [])
        let target = scene.task?.success.objectNames.first.flatMap { scene.object(named: $0) }
        let kinds = kinds(level: level, target: target?.asset)
        let t = scene.table
        var placed: [(centre: SIMD2<Double>, radius: Double)] = []
        for k in 0..<counts[level] {
            // Each distractor has its own stream, so distractor k looks the same whatever the count.
            var r = rng.fork("distractor/\(k)")
            let library = libraryPick(level: level, r)
            var (kindName, asset) = kinds[Int(r.next() % UInt64(kinds.count))]
            if let library { (kindName, asset) = library }
            var colours = palette.filter { c in target.map { !same(c.1, $0.color) } ?? true }
            if colours.isEmpty { colours = palette }
            let (colourName, colour) = colours[Int(r.next() % UInt64(colours.count))]
            let yaw = r.uniform(-Double.pi, Double.pi)
            let radius = Placement.footprintRadius(asset)
            var spot: SIMD2<Double>?
            for _ in 0..<400 {
                let p = SIMD2(
                    r.uniform(t.center.x - t.size.x / 2 + radius + 0.03, t.center.x + t.size.x / 2 - radius - 0.03),
                    r.uniform(max(t.center.y - t.size.y / 2, -0.5) + radius + 0.03, min(t.center.y + t.size.y / 2, 0.5) - radius - 0.03))
                if isFree(p, radius: radius, scene: scene, taskNames: taskNames, gapToTask: gapToTask[level], placed: placed) {
                    spot = p
                    break
                }
            }
            guard let p = spot else {
                v.changes.append("distractor \(k) (\(kindName)): no free spot found; left out")
                continue
            }
            placed.append((p, radius))
            let name = "distractor_\(k)"
            v.scene.objects.append(
                SceneObject(
                    name: name, asset: asset, mass: 0.08, color: colour, position: SIMD3(p.x, p.y, 0),
                    orientation: SIMD3(0, 0, yaw)))
            v.changes.append(String(format: "%@: %@ %@ at (%.3f, %.3f)", name, colourName, kindName, p.x, p.y))
        }
    }

    /// Whether a footprint at `p` keeps clear of every object's reachable footprint, the robots and the other
    /// distractors.
    static func isFree(
        _ p: SIMD2<Double>, radius: Double, scene: Scene, taskNames: Set<String>, gapToTask: Double,
        placed: [(centre: SIMD2<Double>, radius: Double)]
    ) -> Bool {
        for o in scene.objects where o.asset.collides || taskNames.contains(o.name) {
            let g = taskNames.contains(o.name) ? max(gapToTask, gap) : gap
            if Placement.distance(p, to: Placement.centreRegion(o)) < radius + Placement.footprintRadius(o.asset) + g { return false }
        }
        for robot in scene.robots {
            let b = SIMD2(robot.base.position.x, robot.base.position.y)
            if ((p - b) * (p - b)).sum().squareRoot() < Placement.robotKeepOut + radius { return false }
        }
        for q in placed where ((p - q.centre) * (p - q.centre)).sum().squareRoot() < radius + q.radius + gap { return false }
        return true
    }

    static func same(_ a: Color, _ b: Color) -> Bool { abs(a.r - b.r) + abs(a.g - b.g) + abs(a.b - b.b) < 0.3 }
}

/// The novel-object axis: the manipulated object becomes an unseen shape, size, colour and (levels 2 and 3)
/// procedural texture (same name, mass and friction, so the task and the physics axis stay separate).
enum NovelObjects {
    static func replace(in v: inout Variation, level: Int, rng: inout SeededRandom) throws {
        guard let name = v.scene.task?.success.objectNames.first,
            let index = v.scene.objects.firstIndex(where: { $0.name == name })
        else {
            throw VariationError("novel_objects needs a task that names the object it manipulates")
        }
        var o = v.scene.objects[index]
        let old = o.asset
        // Draws in a fixed order whatever the level.
        let scale = 1 + 0.15 * Variations.signed(&rng)
        let shapePick = rng.next()
        let exoticPick = rng.next()
        let aspect = rng.uniform(0.8, 1.25)
        let hue = Variations.randomColor(&rng)
        let h = old.halfExtents
        // The grasp width the original offers, kept within the gripper's reach (under 7 cm).
        let width = min(2 * min(h.x, h.y) * scale, 0.065)
        let height = min(max(2 * h.z * scale, 0.03), 0.14)
        switch level {
        case 1:
            o.asset = scaled(old, by: scale)
        case 2:
            let household: [Asset] = [
                .can(radius: width / 2, height: max(height, 0.08)),
                .cylinder(radius: width / 2, height: height),
                .cube(size: SIMD3(width, min(width * aspect, 0.065), height * aspect)),
                .bottle(radius: width / 2, height: max(height * 1.6, 0.1)),
            ]
            o.asset = household[Int(shapePick % UInt64(household.count))]
        default:
            let toys: [Asset] = [
                .ellipsoid(radii: SIMD3(width / 2 * aspect, width / 2, height / 2 / aspect)),
                .prism(sides: 3 + Int(exoticPick % 4), radius: width / 2 / cos(Double.pi / 6), height: height),
                .sphere(radius: width / 2),
                .ellipsoid(radii: SIMD3(width / 2, width / 2 / aspect, width / 2 * 0.8)),
            ]
            o.asset = toys[Int(shapePick % UInt64(toys.count))]
            // One time in three a mesh from the object library, in the original's grasp width (its own stream).
            var own = rng.fork("library")
            let draw = own.next()
            if draw % 3 == 0, let mesh = ObjectLibrary.asset(draw / 3, width: width, height: height) { o.asset = mesh.asset }
        }
        o.color = level == 1 ? Variations.mix(o.color, hue, 0.6) : hue
        // Drawn last so the earlier draws (and so levels 1 and 2's shapes) do not depend on it. Level 2 textures
        // half the objects, level 3 every one.
        let texturePick = rng.next() >> 32  // high bits
        let textures = ObjectTexture.allCases
        switch level {
        case 1: break
        case 2: if texturePick % 2 == 0 { o.texture = textures[Int(texturePick / 2 % UInt64(textures.count))] }
        default: o.texture = textures[Int(texturePick % UInt64(textures.count))]
        }
        v.scene.objects[index] = o
        let e = o.asset.halfExtents * 2
        v.changes.append(
            String(
                format: "%@: %@ -> %@ %.3f x %.3f x %.3f m, colour (%.2f, %.2f, %.2f)%@", name, old.kindName, o.asset.kindName,
                e.x, e.y, e.z, o.color.r, o.color.g, o.color.b, o.texture.map { ", texture \($0.rawValue)" } ?? ""))
    }

    /// The same asset uniformly scaled.
    static func scaled(_ a: Asset, by s: Double) -> Asset {
        switch a {
        case .cube(let size): .cube(size: size * s)
        case .cylinder(let r, let h): .cylinder(radius: r * s, height: h * s)
        case .can(let r, let h): .can(radius: r * s, height: h * s)
        case .sphere(let r): .sphere(radius: r * s)
        case .bowl(let r, let h, let w): .bowl(radius: r * s, height: h * s, wall: w * s)
        case .mug(let r, let h, let w): .mug(radius: r * s, height: h * s, wall: w * s)
        case .plate(let r, let h): .plate(radius: r * s, height: h * s)
        case .tray(let size, let w): .tray(size: size * s, wall: w * s)
        case .bin(let size, let w): .bin(size: size * s, wall: w * s)
        case .marker(let r): .marker(radius: r * s)
        case .bottle(let r, let h): .bottle(radius: r * s, height: h * s)
        case .ellipsoid(let radii): .ellipsoid(radii: radii * s)
        case .prism(let n, let r, let h): .prism(sides: n, radius: r * s, height: h * s)
        case .mesh(let m): .mesh(m.scaled(by: s))
        case .urdf: a  // joints and limits do not scale with the links: articulated objects keep their size
        }
    }
}
