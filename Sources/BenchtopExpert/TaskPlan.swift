import BenchtopCore
import BenchtopPhysics
import BenchtopPolicy
import BenchtopScene
import Foundation

/// One target of a scripted end-effector path.
public struct Waypoint: Sendable, Hashable {
    /// TCP position in the world frame.
    public var position: SIMD3<Double>
    /// Rotation of the gripper about world z relative to its home orientation, rad.
    public var yaw: Double
    /// Gripper aperture to command: 0 closed ... 1 open.
    public var aperture: Double
    /// Control ticks to stay once reached (grasp closing, settling).
    public var hold: Int
    public var label: String
    /// Top TCP speed on the way to this waypoint, m/s (nil: the policy's); slow for moving a held handle, whose
    /// inertia the fingers must carry through friction alone.
    public var speed: Double?

    public init(_ label: String, _ position: SIMD3<Double>, yaw: Double, aperture: Double, hold: Int = 0, speed: Double? = nil) {
        self.label = label
        self.position = position
        self.yaw = yaw
        self.aperture = aperture
        self.hold = hold
        self.speed = speed
    }
}

/// A gripper whose one moving jaw closes against a fixed jaw holds an object beside the fixed jaw, not centred
/// on the TCP: the planner shifts the TCP so that the object's side rests against the fixed jaw's face.
public struct FixedJaw: Sendable, Hashable {
    /// The fixed jaw's contact face on the TCP x axis, metres.
    public var face: Double
    /// The TCP x axis in the world's horizontal plane at waypoint yaw 0 (unit).
    public var axis: SIMD2<Double>
    public init(face: Double, axis: SIMD2<Double>) {
        self.face = face
        self.axis = axis
    }
}

/// What the planner needs to know of a gripper's shape.
public struct GripperGeometry: Sendable, Hashable {
    /// World yaw of the closing axis at waypoint yaw 0, rad; pi/2 is a gripper closing along world y (the Franka
    /// Hand at its ready pose).
    public var closingYaw: Double
    /// How far the hand reaches below the TCP at the grasp orientation, metres: for a gripper pointing down, how far
    /// the fingers reach beyond the TCP along its z axis; for a tilted one, the depth of the whole hand (`GraspChoice`).
    public var fingertipDepth: Double
    public init(closingYaw: Double = .pi / 2, fingertipDepth: Double = 0) {
        self.closingYaw = closingYaw
        self.fingertipDepth = fingertipDepth
    }
}

/// Errors of planning a scene's task.
public struct PlanError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ d: String) { description = d }
}

/// Plans a task's end-effector path from privileged scene state: approach, grasp, lift, place, push.
///
/// The plan follows the task's success predicate: `lifted` picks and lifts; `in` and `on` pick and place;
/// `near` pushes; `all` plans its first plannable part.
public enum TaskPlanner {
    /// Clearance above objects while travelling, metres.
    public static let travelClearance = 0.10
    /// Default height of the TCP over a pushed object's base while pushing, metres.
    public static let pushHeight = 0.02

    /// - Parameters:
    ///   - jaw: the fixed jaw of a one-jaw gripper, nil for a parallel gripper.
    ///   - approach: height of the pre-grasp point above the object's top, metres.
    ///   - gripper: where the gripper closes and how far its fingers reach below the TCP.
    ///   - pushHeight: height of the TCP over a pushed object's base, metres.
    public static func plan(
        task: TaskSpec, world: World, snapshot: WorldSnapshot, tcp: SIMD3<Double>, jaw: FixedJaw? = nil,
        approach: Double = travelClearance, gripper: GripperGeometry = GripperGeometry(),
        pushHeight: Double = pushHeight
    ) throws -> [Waypoint] {
        try plan(
            task.success, world: world, snapshot: snapshot, tcp: tcp, jaw: jaw, approach: approach, gripper: gripper,
            pushHeight: pushHeight)
    }

    /// Shifts a pick-and-carry path so that the object held against the fixed jaw follows the planned points.
    static func holding(_ path: [Waypoint], half: SIMD3<Double>, jaw: FixedJaw?) -> [Waypoint] {
        guard let jaw, let yaw = path.first?.yaw else { return path }
        // Object centre on the TCP x axis: the face, less the object's half width, less a 2 mm margin.
        let centre = jaw.face - max(half.x, half.y) - 0.002
        let x = SIMD2(cos(yaw) * jaw.axis.x - sin(yaw) * jaw.axis.y, sin(yaw) * jaw.axis.x + cos(yaw) * jaw.axis.y)
        return path.map { w in
            var w = w
            w.position -= SIMD3(x.x, x.y, 0) * centre
            // A servo jaw closes in about half a second: hold until it grips before lifting.
            if w.label == "close" { w.hold = max(w.hold, 24) }
            return w
        }
    }

    static func plan(
        _ p: TaskPredicate, world: World, snapshot: WorldSnapshot, tcp: SIMD3<Double>, jaw: FixedJaw? = nil,
        approach: Double = travelClearance, gripper: GripperGeometry = GripperGeometry(),
        pushHeight: Double = pushHeight
    ) throws -> [Waypoint] {
        func body(_ name: String) throws -> (id: Int, pose: Pose, half: SIMD3<Double>, object: SceneObject) {
            guard let id = world.bodyID(named: name), let o = world.scene.object(named: name) else {
                throw PlanError("the task names '\(name)', which is not an object of the scene")
            }
            return (id, snapshot.bodies[id].pose, o.asset.halfExtents, o)
        }
        // Every other colliding object's footprint, for turning grasps away from neighbours (GraspYaw).
        func pick(_ o: (id: Int, pose: Pose, half: SIMD3<Double>, object: SceneObject)) -> [Waypoint] {
            let neighbours: [GraspYaw.Footprint] = world.scene.objects.compactMap { other in
                guard other.name != o.object.name, other.asset.collides, let id = world.bodyID(named: other.name) else { return nil }
                return (snapshot.bodies[id].pose, other.asset.halfExtents)
            }
            return TaskPlanner.pick(o.pose, half: o.half, object: o.object, clearance: approach, gripper: gripper, neighbours: neighbours)
        }
        switch p {
        case .lifted(let name, let height):
            let o = try body(name)
            let rest = world.initialPoses[o.id].position.z
            var path = pick(o)
            path.append(Waypoint("lift", SIMD3(o.pose.position.x, o.pose.position.y, rest + height + 0.05), yaw: path[0].yaw, aperture: 0, hold: 4))
            return holding(path, half: o.half, jaw: jaw)
        case .inside(let name, let containerName):
            let o = try body(name)
            let c = try body(containerName)
            var path = pick(o)
            let yaw = path[0].yaw
            let top = c.pose.position.z + c.half.z
            let above = SIMD3(c.pose.position.x, c.pose.position.y, top + o.half.z * 2 + travelClearance * 0.6)
            path.append(Waypoint("lift", SIMD3(o.pose.position.x, o.pose.position.y, above.z), yaw: yaw, aperture: 0))
            path.append(Waypoint("over container", above, yaw: yaw, aperture: 0, hold: 2))
            path.append(Waypoint("lower", SIMD3(above.x, above.y, top + o.half.z + 0.015), yaw: yaw, aperture: 0, hold: 3))
            path.append(Waypoint("release", SIMD3(above.x, above.y, top + o.half.z + 0.015), yaw: yaw, aperture: 1, hold: 8))
            path.append(Waypoint("retreat", SIMD3(above.x, above.y, above.z + 0.05), yaw: yaw, aperture: 1))
            return holding(path, half: o.half, jaw: jaw)
        case .on(let name, let targetName, _):
            let o = try body(name)
            let t = try body(targetName)
            var path = pick(o)
            let yaw = path[0].yaw
            let top = t.pose.position.z + t.half.z
            let place = SIMD3(t.pose.position.x, t.pose.position.y, top + o.half.z + 0.008)
            path.append(Waypoint("lift", SIMD3(o.pose.position.x, o.pose.position.y, place.z + travelClearance * 0.6), yaw: yaw, aperture: 0))
            path.append(Waypoint("over target", SIMD3(place.x, place.y, place.z + travelClearance * 0.6), yaw: yaw, aperture: 0, hold: 3))
            path.append(Waypoint("lower", place, yaw: yaw, aperture: 0, hold: 4))
            path.append(Waypoint("release", place, yaw: yaw, aperture: 1, hold: 8))
            path.append(Waypoint("retreat", SIMD3(place.x, place.y, place.z + 0.08), yaw: yaw, aperture: 1))
            return holding(path, half: o.half, jaw: jaw)
        case .near(let name, let target, let distance):
            let o = try body(name)
            let goal: SIMD2<Double>
            switch target {
            case .point(let xy): goal = xy
            case .object(let n):
                let t = try body(n)
                goal = SIMD2(t.pose.position.x, t.pose.position.y)
            }
            let from = SIMD2(o.pose.position.x, o.pose.position.y)
            let d = goal - from
            let dist = (d * d).sum().squareRoot()
            guard dist > 1e-6 else { return [] }
            let u = d / dist
            // The closed fingers push with their side: the TCP sits about one finger half-width (~1 cm) behind
            // the contact face. Start well behind the object; stop when its centre should be on the goal.
            let halfAlong = abs(u.x) * o.half.x + abs(u.y) * o.half.y
            let fingerHalfWidth = 0.01
            let z = o.pose.position.z - o.half.z + pushHeight
            let start = from - u * (halfAlong + fingerHalfWidth + 0.03)
            let end = goal - u * (halfAlong + fingerHalfWidth) + u * min(distance * 0.2, 0.005)
            // Push with the closed fingers' flat side facing the direction of travel.
            let yaw = wrapQuarter(atan2(u.y, u.x) + .pi / 2)
            return [
                Waypoint("above start", SIMD3(start.x, start.y, z + travelClearance), yaw: yaw, aperture: 0),
                Waypoint("down", SIMD3(start.x, start.y, z), yaw: yaw, aperture: 0, hold: 2),
                Waypoint("push", SIMD3(end.x, end.y, z), yaw: yaw, aperture: 0, hold: 3),
                Waypoint("retreat", SIMD3(end.x - u.x * 0.03, end.y - u.y * 0.03, z + 0.08), yaw: yaw, aperture: 0),
            ]
        case .any(let parts):
            // Satisfying one part satisfies the whole: the first part that plans is a plan in full.
            for part in parts {
                if let path = try? plan(
                    part, world: world, snapshot: snapshot, tcp: tcp, jaw: jaw, approach: approach, gripper: gripper,
                    pushHeight: pushHeight), !path.isEmpty
                {
                    return path
                }
            }
            throw UnsupportedTask("no part of the task's 'any' predicate can be planned")
        case .all(let parts):
            // Planned in full or refused: each part on its own object, one after the other (their plans start from the
            // same snapshot, so no part may move another part's object).
            let plans = try parts.map {
                try plan(
                    $0, world: world, snapshot: snapshot, tcp: tcp, jaw: jaw, approach: approach, gripper: gripper,
                    pushHeight: pushHeight)
            }
            // A part may name another part's reference object (two cubes into one bowl), never move it.
            let objects = parts.map { Set($0.objectNames) }
            let moved = parts.map { Set(movedObjectNames($0)) }
            for i in parts.indices {
                for k in parts.indices where k != i && !moved[i].isDisjoint(with: objects[k]) {
                    throw UnsupportedTask(
                        "the parts of the task's 'all' predicate share objects (\(moved[i].intersection(objects[k]).sorted().joined(separator: ", "))): one part moves what another part plans with; the built-in policy plans such a task only as one part"
                    )
                }
            }
            return plans.flatMap { $0 }
        case .joint(let object, let joint, let measure, let range):
            return try operate(
                object: object, joint: joint, measure: measure, range: range, world: world, snapshot: snapshot,
                approach: approach, gripper: gripper, jaw: jaw)
        case .upright, .grasped, .not:
            if case .grasped(let name) = p {
                let o = try body(name)
                return holding(pick(o), half: o.half, jaw: jaw)
            }
            throw UnsupportedTask("the built-in policy cannot plan a '\(p)' task")
        }
    }

    /// Closed-loop correction of a push, from the object's live pose: returns the waypoints that replace the
    /// plan from the current push waypoint on — straight on towards the goal while the pusher is in line
    /// behind the object, or up, around and down behind it when the object has slid or turned off the line.
    /// `height` is the TCP's height over the object's base while pushing, metres.
    public static func refinePush(
        task: TaskSpec, world: World, snapshot: WorldSnapshot, tcp: SIMD3<Double>,
        height: Double = pushHeight
    ) -> [Waypoint]? {
        guard case .near(let name, let target, let distance) = firstPush(task.success),
            let id = world.bodyID(named: name), let object = world.scene.object(named: name)
        else { return nil }
        let pose = snapshot.bodies[id].pose
        let goal: SIMD2<Double>
        switch target {
        case .point(let xy): goal = xy
        case .object(let n):
            guard let t = world.bodyID(named: n) else { return nil }
            goal = SIMD2(snapshot.bodies[t].pose.position.x, snapshot.bodies[t].pose.position.y)
        }
        let from = SIMD2(pose.position.x, pose.position.y)
        let d = goal - from
        let dist = (d * d).sum().squareRoot()
        let z = pose.position.z - object.asset.halfExtents.z + height
        if dist < distance * 0.5 {
            return [Waypoint("retreat", SIMD3(tcp.x, tcp.y, z + 0.08), yaw: 0, aperture: 0)]
        }
        let u = d / dist
        let halfAlong = supportHalfWidth(object.asset.halfExtents, yaw: pose.orientation.rollPitchYaw.z, direction: u)
        let behind = from - u * (halfAlong + 0.01)
        let yaw = wrapQuarter(atan2(u.y, u.x) + .pi / 2)
        // Lateral offset of the pusher from the line through the object's centre along the push.
        let rel = SIMD2(tcp.x, tcp.y) - from
        let lateral = abs(rel.x * u.y - rel.y * u.x)
        let along = rel.x * u.x + rel.y * u.y
        let end = goal - u * (halfAlong + 0.01) + u * min(distance * 0.2, 0.005)
        if lateral < 0.008 && along < 0 && abs(tcp.z - z) < 0.02 {
            // In line: push on, a little at a time so that the next query corrects again.
            let step = min(0.04, max(0, ((end - SIMD2(tcp.x, tcp.y)) * u).sum()))
            let next = SIMD2(tcp.x, tcp.y) + u * step + (behind - SIMD2(tcp.x, tcp.y) - u * ((behind - SIMD2(tcp.x, tcp.y)) * u).sum())
            return [Waypoint("push", SIMD3(next.x, next.y, z), yaw: yaw, aperture: 0)]
        }
        let start = from - u * (halfAlong + 0.04)
        return [
            Waypoint("realign up", SIMD3(tcp.x, tcp.y, z + 0.06), yaw: yaw, aperture: 0),
            Waypoint("realign over", SIMD3(start.x, start.y, z + 0.06), yaw: yaw, aperture: 0),
            Waypoint("realign down", SIMD3(start.x, start.y, z), yaw: yaw, aperture: 0, hold: 1),
            Waypoint("push", SIMD3(behind.x, behind.y, z), yaw: yaw, aperture: 0),
        ]
    }

    private static func firstPush(_ p: TaskPredicate) -> TaskPredicate? {
        switch p {
        case .near: return p
        case .all(let parts), .any(let parts): return parts.lazy.compactMap(firstPush).first
        default: return nil
        }
    }

    /// Half the width of a box's footprint along a direction, for a box turned by `yaw` about z.
    static func supportHalfWidth(_ half: SIMD3<Double>, yaw: Double, direction u: SIMD2<Double>) -> Double {
        let ax = SIMD2(cos(yaw), sin(yaw))
        let ay = SIMD2(-sin(yaw), cos(yaw))
        return abs((ax * u).sum()) * half.x + abs((ay * u).sum()) * half.y
    }

    /// Approach from above, descend, close: a top-down grasp with the gripper's closing axis square to the
    /// object's faces (turning the gripper by at most 45 degrees), its fingertips clear of the surface below.
    static func pick(
        _ pose: Pose, half: SIMD3<Double>, object: SceneObject, clearance: Double = travelClearance,
        gripper: GripperGeometry = GripperGeometry(), neighbours: [GraspYaw.Footprint] = []
    ) -> [Waypoint] {
        let square = wrapQuarter(pose.orientation.rollPitchYaw.z - gripper.closingYaw)
        let yaw = GraspYaw.choose(square, at: pose, object: object, gripper: gripper, neighbours: neighbours)
        let p = pose.position
        // Long fingers on a low object would press into the table and be pushed open.
        let clear = p.z - half.z + gripper.fingertipDepth + 0.002
        let grasp = SIMD3(p.x, p.y, max(p.z + min(0.005, half.z * 0.2), clear))
        return [
            Waypoint("above", SIMD3(p.x, p.y, p.z + half.z + clearance), yaw: yaw, aperture: 1),
            Waypoint("descend", grasp, yaw: yaw, aperture: 1, hold: 3),
            Waypoint("close", grasp, yaw: yaw, aperture: 0, hold: 10),
        ]
    }

    /// An angle folded into [-pi/4, pi/4]: a parallel gripper grasps a box the same way every quarter turn.
    static func wrapQuarter(_ a: Double) -> Double {
        var x = a.truncatingRemainder(dividingBy: .pi / 2)
        if x > .pi / 4 { x -= .pi / 2 }
        if x < -.pi / 4 { x += .pi / 2 }
        return x
    }

    /// The objects a part's plan moves: the first object of each leaf predicate (the one lifted, placed or pushed);
    /// the others are references (a container, a support, a target).
    static func movedObjectNames(_ p: TaskPredicate) -> [String] {
        switch p {
        case .all(let parts), .any(let parts): parts.flatMap(movedObjectNames)
        case .not(let q): movedObjectNames(q)
        default: Array(p.objectNames.prefix(1))
        }
    }

}
