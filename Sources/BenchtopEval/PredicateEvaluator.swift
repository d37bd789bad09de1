import BenchtopCore
import BenchtopPhysics
import BenchtopScene
import Foundation

/// Evaluates a scene's success predicates and stages against the world.
///
/// Definitions follow the benchmarks' (LIBERO `On`/`In`, SimplerEnv lifted): `on` needs contact, the object
/// above the target and the centres within a tolerance in xy; `in` needs the object's centre inside the
/// container's cavity; `lifted` compares with the object's height at reset; `grasped` needs contact with
/// two gripper bodies (fingers) and none with the table.
public struct PredicateEvaluator {
    public let world: World
    /// Body ids of gripper fingers; empty means any two robot links count.
    public var graspers: Set<Int>
    private let restHeight: [Int: Double]
    private let names: [String: Int]

    public init(world: World, graspers: Set<Int> = []) {
        self.world = world
        self.graspers = graspers
        var rest: [Int: Double] = [:]
        var names: [String: Int] = [:]
        for (id, body) in world.bodies.enumerated() where body.kind == .object {
            rest[id] = world.initialPoses[id].position.z
            names[body.name] = id
        }
        restHeight = rest
        self.names = names
    }

    /// A contact graph of the current step: which bodies touch which.
    public struct ContactGraph: Sendable {
        var touching: [Int: Set<Int>] = [:]
        public init(_ contacts: [Contact]) {
            for c in contacts {
                touching[c.bodyA, default: []].insert(c.bodyB)
                touching[c.bodyB, default: []].insert(c.bodyA)
            }
        }
        public func bodies(touching id: Int) -> Set<Int> { touching[id] ?? [] }
        public func touch(_ a: Int, _ b: Int) -> Bool { touching[a]?.contains(b) ?? false }
    }

    /// Evaluates a predicate on a snapshot and the contacts of the same step.
    public func evaluate(_ predicate: TaskPredicate, _ snapshot: WorldSnapshot, _ contacts: ContactGraph) -> Bool {
        func pose(_ name: String) -> Pose? { names[name].map { snapshot.bodies[$0].pose } }
        switch predicate {
        case .lifted(let object, let height):
            guard let id = names[object], let rest = restHeight[id] else { return false }
            return snapshot.bodies[id].pose.position.z - rest >= height
        case .on(let object, let target, let tolerance):
            guard let a = names[object], let b = names[target] else { return false }
            let pa = snapshot.bodies[a].pose.position
            let pb = snapshot.bodies[b].pose.position
            return contacts.touch(a, b) && pa.z > pb.z && hypot(pa.x - pb.x, pa.y - pb.y) < tolerance
        case .inside(let object, let container):
            guard let a = names[object], let c = names[container],
                let asset = world.scene.object(named: container)?.asset, let cavity = asset.cavity
            else { return false }
            let local = snapshot.bodies[c].pose.inverse.transform(snapshot.bodies[a].pose.position) - cavity.center
            return abs(local.x) <= cavity.halfExtents.x && abs(local.y) <= cavity.halfExtents.y
                && abs(local.z) <= cavity.halfExtents.z
        case .near(let object, let target, let distance):
            guard let p = pose(object)?.position else { return false }
            let t: SIMD2<Double>
            switch target {
            case .point(let xy): t = xy
            case .object(let name):
                guard let q = pose(name)?.position else { return false }
                t = SIMD2(q.x, q.y)
            }
            return hypot(p.x - t.x, p.y - t.y) <= distance
        case .upright(let object, let tolerance):
            guard let q = pose(object)?.orientation else { return false }
            let up = q.act(SIMD3(0, 0, 1))
            return acos(min(1, max(-1, up.z))) <= tolerance
        case .grasped(let object):
            guard let id = names[object] else { return false }
            let touching = contacts.bodies(touching: id)
            let grippers = graspers.isEmpty ? touching.filter { world.bodies[$0].kind == .robotLink } : touching.intersection(graspers)
            let onTable = touching.contains { world.bodies[$0].kind == .table }
            return grippers.count >= 2 && !onTable
        case .joint(let object, let joint, let measure, let range):
            guard let (a, j) = world.objectJoint(object: object, joint: joint), a < snapshot.articulations.count else { return false }
            let q = snapshot.articulations[a].jointPositions[j]
            switch measure {
            case .position: return range.contains(q)
            case .openFraction:
                let spec = world.articulations[a].joints[j]
                guard spec.upper > spec.lower else { return false }
                return range.contains((q - spec.lower) / (spec.upper - spec.lower))
            }
        case .all(let ps): return ps.allSatisfy { evaluate($0, snapshot, contacts) }
        case .any(let ps): return ps.contains { evaluate($0, snapshot, contacts) }
        case .not(let p): return !evaluate(p, snapshot, contacts)
        }
    }
}
