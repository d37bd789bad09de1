import BenchtopCore
import BenchtopRobot
import EmbodimentKit

/// How an arm pushes: which arm, the TCP orientation at waypoint yaw 0 (base frame), and the TCP height over
/// the pushed object's base, chosen from the arm's kinematics so that the whole push line is reachable.
struct Pusher {
    var arm: Int
    var orientation: Quaternion
    var height: Double
    /// The largest TCP miss (m, with orientation misses weighted 0.1 m/rad) of IK tracking along the push.
    var miss: Double
}

/// Chooses the pusher for a push plan.
///
/// A gripper that starts pointing down pushes as planned. One that starts pointing elsewhere (the YAM points
/// forward) may not reach the push height near its own base with that orientation, so candidates between the
/// start orientation and pointing straight down are tried, per arm (nearest first): each one's push line is
/// tracked with the same damped-least-squares IK the policy uses, from the current joints, and the TCP height
/// keeps the hand's lowest point over the table. The chosen tilt is the middle of the widest range of tilts that
/// reach the whole push, which leaves margin on both sides.
enum PusherChoice {
    /// Gap between the hand's lowest point and the object's base while pushing, metres.
    static let floorClearance = 0.006

    /// - Parameters:
    ///   - arms: candidate arms, preferred first.
    ///   - start: each arm's start TCP orientation (base frame).
    ///   - plan: plans the push for a TCP height over the object's base.
    /// - Returns: nil when the preferred arm already points down (nothing to choose).
    static func choose(
        controller: RobotController, arms: [Int], start: (Int) -> Quaternion,
        plan: (Double) throws -> [Waypoint]
    ) rethrows -> (Pusher, [Waypoint])? {
        guard let first = arms.first else { return nil }
        let firstDown = ReferencePolicy.pointingDown(start(first))
        guard start(first).angle(to: firstDown) > 1e-3 else { return nil }
        let yaw = try plan(TaskPlanner.pushHeight).first?.yaw ?? 0
        var fallback: (Pusher, [Waypoint])?
        for arm in arms {
            var candidates: [(Pusher, [Waypoint])] = []
            for o in TiltSearch.tilts(from: start(arm)) {
                let yawed = (Quaternion(axis: SIMD3(0, 0, 1), angle: yaw) * o).normalized
                let depth = TiltSearch.handDepth(controller: controller, arm: arm, orientation: controller.basePose.orientation * yawed)
                let height = max(TaskPlanner.pushHeight, depth + floorClearance)
                let path = try plan(height)
                let miss = TiltSearch.trackingMiss(controller: controller, arm: arm, path: path, orientation: o)
                candidates.append((Pusher(arm: arm, orientation: o, height: height, miss: miss), path))
            }
            if let k = TiltSearch.middleOfWidestRun(candidates.map { $0.0.miss < TiltSearch.tolerance }) { return candidates[k] }
            for c in candidates where fallback == nil || c.0.miss < fallback!.0.miss { fallback = c }
        }
        return fallback
    }
}
