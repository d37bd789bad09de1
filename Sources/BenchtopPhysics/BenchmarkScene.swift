import BenchtopCore
import BenchtopScene
import Foundation

/// The physics benchmark's scene: a base scene plus `extra` primitive objects dropped in a seeded grid, and
/// an export of its bodies in a plain text format that the peer programs (raw Bullet C++, PyBullet) read.
public enum BenchmarkScene {
    /// Adds `count` boxes, spheres, cylinders and capsules (primitives only, so every peer can build them).
    public static func addingObjects(to scene: Scene, count: Int, seed: UInt64) -> Scene {
        var scene = scene
        var rng = SeededRandom(seed: seed).fork("bench-objects")
        let columns = 5
        for i in 0..<count {
            let row = i / columns
            let column = i % columns
            let x = 0.25 + 0.1 * Double(row) + rng.uniform(-0.01, 0.01)
            let y = -0.24 + 0.12 * Double(column) + rng.uniform(-0.01, 0.01)
            let z = 0.80 + 0.02 * Double(i % 3)
            let asset: Asset
            switch i % 4 {
            case 0: asset = .cube(size: SIMD3(0.04, 0.05, 0.03))
            case 1: asset = .sphere(radius: 0.02)
            case 2: asset = .cylinder(radius: 0.02, height: 0.06)
            default: asset = .cube(size: SIMD3(0.03, 0.03, 0.06))
            }
            scene.objects.append(
                SceneObject(
                    name: "extra\(i)", asset: asset, mass: 0.05 + 0.01 * Double(i % 5),
                    color: Color(0.3, 0.5, 0.8), position: SIMD3(x, y, z), restsOnTable: false,
                    orientation: SIMD3(0, 0, rng.uniform(-1, 1))))
        }
        return scene
    }

    /// One line per body: `kind mass x y z qx qy qz qw friction rolling spinning restitution p1 p2 p3`, where
    /// kind is box (half extents), sphere (radius), cylinder (radius, half height); static bodies have mass 0.
    /// The first line holds `physics time_step solver_iterations gx gy gz`.
    public static func export(_ world: World) -> String {
        let p = world.scene.physics
        var lines = ["physics \(p.timeStep) \(p.solverIterations) \(p.gravity.x) \(p.gravity.y) \(p.gravity.z)"]
        for (id, body) in world.bodies.enumerated() where body.collides {
            guard body.parts.count == 1, body.parts[0].pose == .identity else { continue }
            let pose = world.initialPoses[id].packed.map { "\($0)" }.joined(separator: " ")
            let friction = frictionOf(body, world: world)
            let material = "\(friction.0) \(friction.1) \(friction.2) 0"
            switch body.parts[0].shape {
            case .box(let h): lines.append("box \(body.mass) \(pose) \(material) \(h.x) \(h.y) \(h.z)")
            case .sphere(let r): lines.append("sphere \(body.mass) \(pose) \(material) \(r) 0 0")
            case .cylinder(let r, let hh): lines.append("cylinder \(body.mass) \(pose) \(material) \(r) \(hh) 0")
            default: continue
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func frictionOf(_ body: BodyDescription, world: World) -> (Double, Double, Double) {
        switch body.kind {
        case .ground: return (0.8, 0, 0)
        case .table: return (world.scene.table.friction, 0, 0)
        default:
            guard let o = world.scene.object(named: body.name) else { return (0.8, 0, 0) }
            return (o.friction, o.rollingFriction, o.spinningFriction)
        }
    }
}
