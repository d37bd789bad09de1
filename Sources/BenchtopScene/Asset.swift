import BenchtopCore
import Foundation

/// The asset library: every object a scene can name, built from primitives so that physics and the renderer
/// need no mesh files. Frames: origin at the centre of the bounding box, z up.
public enum Asset: Sendable, Hashable {
    case cube(size: SIMD3<Double>)
    case cylinder(radius: Double, height: Double)
    /// A drinks can: a cylinder with a slightly smaller radius at the rims (visual only; collides as a cylinder).
    case can(radius: Double, height: Double)
    case sphere(radius: Double)
    /// An open bowl: a base disc and a ring of wall segments, `wall` thick.
    case bowl(radius: Double, height: Double, wall: Double)
    /// A mug: a cup (base + wall ring) with a handle on +x.
    case mug(radius: Double, height: Double, wall: Double)
    /// A plate: a thin disc with a low rim ring.
    case plate(radius: Double, height: Double)
    /// A tray: a rectangular base with low walls.
    case tray(size: SIMD3<Double>, wall: Double)
    /// A bin: a rectangular base with tall walls.
    case bin(size: SIMD3<Double>, wall: Double)
    /// A flat disc drawn on the table that nothing collides with (targets for push tasks).
    case marker(radius: Double)
    /// A bottle: a body cylinder (70% of the height) and a narrow neck.
    case bottle(radius: Double, height: Double)
    /// A fruit-like ellipsoid with these semi-axes (a convex hull of a scaled sphere).
    case ellipsoid(radii: SIMD3<Double>)
    /// A toy block: a regular prism with `sides` faces around z (a convex hull).
    case prism(sides: Int, radius: Double, height: Double)
    /// A mesh file (OBJ with its MTL colours, STL, glTF/GLB, ...), collided with by its convex hull.
    case mesh(MeshAsset)
    /// An object described by a URDF file: rigid (one link) or articulated (drawers, doors, lids).
    case urdf(URDFAsset)

    /// Asset names as written in scene files, with the parameters each takes.
    public static let catalog: [String: (required: [String], optional: [String])] = [
        "cube": (["size"], []),
        "cylinder": (["radius", "height"], []),
        "can": (["radius", "height"], []),
        "sphere": (["radius"], []),
        "bowl": (["radius", "height"], ["wall"]),
        "mug": (["radius", "height"], ["wall"]),
        "plate": (["radius"], ["height"]),
        "tray": (["size"], ["wall"]),
        "bin": (["size"], ["wall"]),
        "marker": (["radius"], []),
        "bottle": (["radius", "height"], []),
        "ellipsoid": (["size"], []),
        "prism": (["sides", "radius", "height"], []),
        "mesh": (["file"], ["scale", "density", "collision", "decomposition"]),
        "urdf": (["file"], ["fixed_base", "joints"]),
    ]

    /// The name used in scene files.
    public var kindName: String {
        switch self {
        case .cube: "cube"
        case .cylinder: "cylinder"
        case .can: "can"
        case .sphere: "sphere"
        case .bowl: "bowl"
        case .mug: "mug"
        case .plate: "plate"
        case .tray: "tray"
        case .bin: "bin"
        case .marker: "marker"
        case .bottle: "bottle"
        case .ellipsoid: "ellipsoid"
        case .prism: "prism"
        case .mesh: "mesh"
        case .urdf: "urdf"
        }
    }

    /// Whether physics simulates contact with this asset.
    public var collides: Bool {
        if case .marker = self { return false }
        return true
    }

    /// Rolling friction an object of this asset gets unless the scene gives one (metres: torque limit per newton of
    /// normal force). Round things get 0.1 mm, about a hard ball on wood (rolling coefficient 0.005 times a 2 cm
    /// radius): enough that a lying can settles instead of creeping or rolling off on solver noise, small enough that
    /// a pushed ball still rolls. Flat-faced assets get none (they do not roll, and the rows cost solver time).
    public var defaultRollingFriction: Double {
        switch self {
        case .sphere, .cylinder, .can, .bottle, .ellipsoid, .prism, .mesh: return 1e-4
        case .urdf(let u): return u.isRigid ? 1e-4 : 0
        default: return 0
        }
    }

    /// Half extents of the asset's bounding box (the asset frame is at its centre).
    public var halfExtents: SIMD3<Double> {
        switch self {
        case .cube(let s): return s / 2
        case .cylinder(let r, let h), .can(let r, let h), .bowl(let r, let h, _), .plate(let r, let h), .bottle(let r, let h),
            .prism(_, let r, let h):
            return SIMD3(r, r, h / 2)
        case .ellipsoid(let radii): return radii
        case .mug(let r, let h, _): return SIMD3(r + 0.6 * r, r, h / 2)
        case .sphere(let r): return SIMD3(repeating: r)
        case .tray(let s, _), .bin(let s, _): return s / 2
        case .marker(let r): return SIMD3(r, r, 0.0005)
        case .mesh(let m): return m.halfExtents
        case .urdf(let u): return u.halfExtents
        }
    }

    /// Interior volume for `inside` tests, as an axis-aligned box in the asset frame (centre, half extents);
    /// nil for solid assets.
    public var cavity: (center: SIMD3<Double>, halfExtents: SIMD3<Double>)? {
        switch self {
        case .bowl(let r, let h, let w), .mug(let r, let h, let w):
            let inner = (r - w) * 0.7071  // the inscribed square of the inner circle
            return (SIMD3(0, 0, w / 2), SIMD3(inner, inner, h / 2 - w / 2))
        case .tray(let s, let w), .bin(let s, let w):
            return (SIMD3(0, 0, w / 2), SIMD3(s.x / 2 - w, s.y / 2 - w, s.z / 2 - w / 2))
        case .plate(let r, let h):
            return (SIMD3(0, 0, h / 2), SIMD3(r * 0.7, r * 0.7, 0.03))
        default:
            return nil
        }
    }

    /// The primitives that make up the asset, in the asset frame.
    public var parts: [ShapePart] {
        switch self {
        case .cube(let s):
            return [ShapePart(.box(halfExtents: s / 2))]
        case .cylinder(let r, let h):
            return [ShapePart(.cylinder(radius: r, halfHeight: h / 2))]
        case .can(let r, let h):
            return [ShapePart(.cylinder(radius: r, halfHeight: h / 2))]
        case .sphere(let r):
            return [ShapePart(.sphere(radius: r))]
        case .bowl(let r, let h, let w):
            return Self.cup(radius: r, height: h, wall: w, segments: 12, baseRadius: r * 0.6)
        case .mug(let r, let h, let w):
            var parts = Self.cup(radius: r, height: h, wall: w, segments: 12, baseRadius: r)
            // Handle: two short arms and an upright bar on +x.
            let arm = SIMD3(0.25 * r, 0.12 * r, w / 2)
            parts.append(ShapePart(.box(halfExtents: arm), pose: Pose(position: SIMD3(r + arm.x, 0, h * 0.3))))
            parts.append(ShapePart(.box(halfExtents: arm), pose: Pose(position: SIMD3(r + arm.x, 0, -h * 0.25))))
            parts.append(
                ShapePart(
                    .box(halfExtents: SIMD3(w / 2, 0.12 * r, h * 0.275 + w / 2)),
                    pose: Pose(position: SIMD3(r + 2 * arm.x, 0, h * 0.025))))
            return parts
        case .plate(let r, let h):
            var parts = [ShapePart(.cylinder(radius: r * 0.8, halfHeight: h / 4), pose: Pose(position: SIMD3(0, 0, -h / 4)))]
            parts += Self.ring(radius: r, wallThickness: 0.2 * r, height: h, center: 0, segments: 16)
            return parts
        case .tray(let s, let w), .bin(let s, let w):
            let h = s / 2
            return [
                ShapePart(.box(halfExtents: SIMD3(h.x, h.y, w / 2)), pose: Pose(position: SIMD3(0, 0, -h.z + w / 2))),
                ShapePart(.box(halfExtents: SIMD3(w / 2, h.y, h.z)), pose: Pose(position: SIMD3(h.x - w / 2, 0, 0))),
                ShapePart(.box(halfExtents: SIMD3(w / 2, h.y, h.z)), pose: Pose(position: SIMD3(-h.x + w / 2, 0, 0))),
                ShapePart(.box(halfExtents: SIMD3(h.x - w, w / 2, h.z)), pose: Pose(position: SIMD3(0, h.y - w / 2, 0))),
                ShapePart(.box(halfExtents: SIMD3(h.x - w, w / 2, h.z)), pose: Pose(position: SIMD3(0, -h.y + w / 2, 0))),
            ]
        case .marker(let r):
            return [ShapePart(.cylinder(radius: r, halfHeight: 0.0005))]
        case .bottle(let r, let h):
            let body = 0.7 * h
            let neck = 0.3 * h
            return [
                ShapePart(.cylinder(radius: r, halfHeight: body / 2), pose: Pose(position: SIMD3(0, 0, -h / 2 + body / 2))),
                ShapePart(.cylinder(radius: 0.4 * r, halfHeight: neck / 2), pose: Pose(position: SIMD3(0, 0, h / 2 - neck / 2))),
            ]
        case .ellipsoid(let radii):
            // Rings of latitude plus the poles: 8 x 12 points keep the hull smooth enough to roll and to look round.
            var points = [SIMD3(0, 0, radii.z), SIMD3(0, 0, -radii.z)]
            for i in 1..<8 {
                let polar = Double.pi * Double(i) / 8
                for j in 0..<12 {
                    let a = 2 * Double.pi * Double(j) / 12
                    points.append(radii * SIMD3(sin(polar) * cos(a), sin(polar) * sin(a), cos(polar)))
                }
            }
            return [ShapePart(.convexHull(points: points))]
        case .prism(let n, let r, let h):
            let points = (0..<max(n, 3)).flatMap { i -> [SIMD3<Double>] in
                let a = 2 * Double.pi * Double(i) / Double(max(n, 3))
                return [SIMD3(r * cos(a), r * sin(a), -h / 2), SIMD3(r * cos(a), r * sin(a), h / 2)]
            }
            return [ShapePart(.convexHull(points: points))]
        case .mesh(let m):
            return m.parts
        case .urdf(let u):
            // Articulated objects are built from their links (World); their parts here are the root link's.
            return u.rigidParts
        }
    }

    /// A cup: a base disc plus a ring of wall boxes.
    private static func cup(
        radius r: Double, height h: Double, wall w: Double, segments: Int,
        baseRadius: Double
    ) -> [ShapePart] {
        var parts = [ShapePart(.cylinder(radius: baseRadius, halfHeight: w / 2), pose: Pose(position: SIMD3(0, 0, -h / 2 + w / 2)))]
        parts += ring(radius: r, wallThickness: w, height: h, center: 0, segments: segments)
        return parts
    }

    /// A ring of `segments` boxes approximating a cylindrical wall of outer radius `radius`.
    private static func ring(
        radius r: Double, wallThickness w: Double, height h: Double, center: Double,
        segments n: Int
    ) -> [ShapePart] {
        let mid = r - w / 2
        let halfChord = mid * tan(.pi / Double(n)) + w / 2  // overlap slightly so the wall is closed
        return (0..<n).map { i in
            let a = 2 * Double.pi * Double(i) / Double(n)
            return ShapePart(
                .box(halfExtents: SIMD3(w / 2, halfChord, h / 2)),
                pose: Pose(
                    position: SIMD3(mid * cos(a), mid * sin(a), center),
                    orientation: Quaternion(axis: SIMD3(0, 0, 1), angle: a)))
        }
    }
}
