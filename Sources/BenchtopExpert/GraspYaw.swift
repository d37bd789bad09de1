import BenchtopCore
import BenchtopScene
import Foundation

/// Turns a top-down grasp away from neighbouring objects.
///
/// The planner closes the gripper square to the object's faces. When an open finger would then come down on a
/// neighbour (pick_mesh's toy block beside the tray's handle: 7 of 50 seeds failed so, the finger landing on the
/// handle and tipping the block), other closing directions about the object are tried, 15 degrees apart, keeping only
/// those across which the object is at most 1 cm wider than across the planned one, and the one whose fingers stay
/// farthest from every neighbour's footprint is taken. A grasp already clear of its neighbours is left as it is.
enum GraspYaw {
    /// How far an open finger reaches from the TCP along the closing axis, pad included, metres (the Franka Hand
    /// opens 8 cm and its pads are about 1 cm thick; smaller grippers stay within it).
    static let fingerReach = 0.05
    /// Clearance a finger needs from a neighbour's footprint: half a pad's width and a margin, metres.
    static let margin = 0.012

    /// A neighbour's footprint: pose and half extents of its bounding box.
    typealias Footprint = (pose: Pose, half: SIMD3<Double>)

    static func choose(_ yaw: Double, at pose: Pose, object: SceneObject, gripper: GripperGeometry, neighbours: [Footprint]) -> Double {
        guard !neighbours.isEmpty else { return yaw }
        let centre = SIMD2(pose.position.x, pose.position.y)
        func clearance(_ y: Double) -> Double {
            let axis = SIMD2(cos(gripper.closingYaw + y), sin(gripper.closingYaw + y))
            var worst = Double.infinity
            for finger in [centre + axis * fingerReach, centre - axis * fingerReach] {
                for n in neighbours { worst = min(worst, distance(finger, to: n)) }
            }
            return worst
        }
        guard clearance(yaw) < margin else { return yaw }
        let points = objectPoints(object).map { pose.orientation.act($0) }
        func width(_ y: Double) -> Double {
            let axis = SIMD3(cos(gripper.closingYaw + y), sin(gripper.closingYaw + y), 0)
            let along = points.map { dot($0, axis) }
            return (along.max() ?? 0) - (along.min() ?? 0)
        }
        let limit = width(yaw) + 0.01
        var best = (yaw: yaw, clearance: clearance(yaw))
        for step in 1...6 {
            for sign in [1.0, -1.0] {
                let y = yaw + sign * Double(step) * .pi / 12
                let c = clearance(y)
                if width(y) <= limit && c > best.clearance + 1e-9 { best = (y, c) }
            }
        }
        return best.yaw
    }

    /// The object's shape points (hull vertices, or the corners of primitives' boxes) in its own frame.
    static func objectPoints(_ object: SceneObject) -> [SIMD3<Double>] {
        object.asset.parts.flatMap { part in ReferencePolicy.boundingCorners(part.shape).map { part.pose.transform($0) } }
    }

    /// Horizontal distance from a point to a footprint rectangle (0 inside).
    static func distance(_ p: SIMD2<Double>, to n: Footprint) -> Double {
        let yaw = n.pose.orientation.rollPitchYaw.z
        let d = p - SIMD2(n.pose.position.x, n.pose.position.y)
        let local = SIMD2(cos(yaw) * d.x + sin(yaw) * d.y, -sin(yaw) * d.x + cos(yaw) * d.y)
        let outside = SIMD2(max(abs(local.x) - n.half.x, 0), max(abs(local.y) - n.half.y, 0))
        return (outside * outside).sum().squareRoot()
    }
}
