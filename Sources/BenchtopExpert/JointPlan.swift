import BenchtopCore
import BenchtopPhysics
import BenchtopPolicy
import BenchtopScene
import Foundation

extension TaskPlanner {
    /// Opens or closes a sliding joint of an articulated object (a drawer): grasp the handle, move it along the
    /// joint axis to a position inside the predicate's range, let go.
    ///
    /// The handle is the moving link's collision part that stands out furthest along the opening direction (a pull
    /// tab or knob on the drawer's front). The gripper points down and closes across the pull direction, so the
    /// fingers squeeze the handle's sides and the pull is held by friction. A one-jaw gripper (`jaw`) holds the
    /// handle against its fixed jaw, as it holds a picked object.
    static func operate(
        object: String, joint: String, measure: JointMeasure, range: ClosedRange<Double>, world: World,
        snapshot: WorldSnapshot, approach: Double, gripper: GripperGeometry, jaw: FixedJaw? = nil
    ) throws -> [Waypoint] {
        guard let (a, j) = world.objectJoint(object: object, joint: joint), a < snapshot.articulations.count else {
            throw UnsupportedTask("'\(object)' has no movable joint '\(joint)'")
        }
        let articulation = world.articulations[a]
        let spec = articulation.joints[j]
        guard spec.kind == .prismatic else {
            throw UnsupportedTask(
                "the built-in policy opens and closes sliding joints (drawers) only; '\(joint)' of '\(object)' turns (a door or a lid)")
        }
        guard spec.upper > spec.lower else { throw UnsupportedTask("joint '\(joint)' of '\(object)' has no limits to open or close between") }
        let q = snapshot.articulations[a].jointPositions[j]
        let span = spec.upper - spec.lower
        // Where the joint must go, in joint units: just inside the range, 8% of the travel from its edge.
        func toJoint(_ v: Double) -> Double { measure == .openFraction ? spec.lower + v * span : v }
        let low = range.lowerBound.isFinite ? toJoint(range.lowerBound) : -Double.infinity
        let high = range.upperBound.isFinite ? toJoint(range.upperBound) : Double.infinity
        var target = q
        if q < low { target = min(low + 0.08 * span, high, spec.upper) }
        if q > high { target = max(high - 0.08 * span, low, spec.lower) }
        guard target != q else { return [] }

        // The handle, in the moving link's frame, and the opening direction in the world.
        let link = spec.child
        let linkPose = snapshot.bodies[articulation.linkBodies[link]].pose
        let open = linkPose.orientation.act(spec.axis)
        guard
            let handle = articulation.spec.links[link].collision.max(by: {
                dot(linkPose.transform($0.pose.position), open) < dot(linkPose.transform($1.pose.position), open)
            })
        else { throw UnsupportedTask("the moving link of '\(joint)' has no collision shape to grasp") }
        let centre = linkPose.transform(handle.pose.position)
        let rotation = linkPose.orientation * handle.pose.orientation
        let h = handle.shape.halfExtents
        let local = rotation.conjugate.act(open)
        let reach = abs(local.x) * h.x + abs(local.y) * h.y + abs(local.z) * h.z  // half the handle's length along the pull
        let across = rotation.conjugate.act(SIMD3(-open.y, open.x, 0) / max((open.x * open.x + open.y * open.y).squareRoot(), 1e-12))
        let width = abs(across.x) * h.x + abs(across.y) * h.y + abs(across.z) * h.z  // half its width between the jaws
        // Grip the outer part of the handle, clear of the front the hand would otherwise touch.
        let grasp = centre + open * (0.3 * reach)
        let closing = atan2(open.y, open.x) + .pi / 2
        // A parallel gripper closes the same way every half turn, so the yaw is folded into [-pi/2, pi/2]. A one-jaw
        // gripper is not symmetric, and that fold's edge lies right at a drawer pulled along x: a degree of the
        // cabinet's randomised yaw turned the SO-101's wrist by half a turn between seeds, and turned one way its
        // hand stops 1.2-1.5 cm above the pull tab (seeds 0-9: 7 opened, the tab held against the fixed jaw). Folded
        // into [0, pi) instead, the wrist turns the same way on every seed (10 of 10; 50 of seeds 0-49).
        var yaw = wrapHalf(closing - gripper.closingYaw)
        if jaw != nil && yaw < 0 { yaw += .pi }
        // The handle slips a little through the fingers (1-2 cm over a full stroke): move the hand that much further
        // (a joint limit stops the drawer; pushing, the fingers then slide along the tab towards the front).
        let slip = target > q ? 0.02 : -0.03
        let end = grasp + open * (target - q + slip)
        let above = SIMD3(0, 0, max(approach * 0.8, 0.06))
        var path = [
            Waypoint("above handle", grasp + above, yaw: yaw, aperture: 1),
            Waypoint("descend", grasp, yaw: yaw, aperture: 1, hold: 3),
            Waypoint("close", grasp, yaw: yaw, aperture: 0, hold: 10),
        ]
        // Slowly: each control tick's new target jerks the hand, and the drawer follows it through finger friction.
        path.append(Waypoint(target > q ? "pull" : "push", end, yaw: yaw, aperture: 0, hold: 6, speed: handleSpeed))
        path.append(Waypoint("release", end, yaw: yaw, aperture: 1, hold: 8))
        path.append(Waypoint("retreat", end + above, yaw: yaw, aperture: 1))
        return holding(path, half: SIMD3(width, width, h.z), jaw: jaw)
    }

    /// TCP speed while moving a held handle, m/s.
    public static let handleSpeed = 0.06

    /// An angle folded into [-pi/2, pi/2]: a parallel gripper closes the same way every half turn.
    static func wrapHalf(_ a: Double) -> Double {
        var x = a.truncatingRemainder(dividingBy: .pi)
        if x > .pi / 2 { x -= .pi }
        if x < -.pi / 2 { x += .pi }
        return x
    }
}
