import BenchtopCore
import BenchtopRobot
import EmbodimentKit

/// How an arm grasps and carries: which arm and the TCP orientation at waypoint yaw 0 (base frame), chosen from
/// the arm's kinematics so that the whole pick-and-place path is reachable with the hand clear of the table.
struct Grasper {
    var arm: Int
    var orientation: Quaternion
    /// How far the hand reaches below the TCP at the chosen orientation, metres.
    var depth: Double
    /// The largest TCP miss (m, with orientation misses weighted 0.1 m/rad) of IK tracking along the path.
    var miss: Double
    /// How far the grasp is raised over the planned grasp height so that the hand clears the table, metres.
    var raise: Double
}

/// Chooses the grasp orientation and arm for a pick (and its carry and place).
///
/// A gripper that starts pointing down grasps as planned. One that starts pointing elsewhere (the YAM points
/// forward, closing along the horizontal) holds its palm beside the object, where it hits the table on a low
/// object, and its IK reaches low points only far from its base. Candidates between the start orientation and
/// pointing straight down turn the gripper about its closing axis (the fingers still straddle the object); per
/// arm, nearest first, each is kept when its hand (TCP link and the links it carries) clears the table at the
/// planned grasp height and IK tracking from the current joints reaches the whole path. The chosen tilt is the
/// middle of the widest run of such tilts, as for pushes (`PusherChoice`).
enum GraspChoice {
    /// Tilts whose grasp is raised less than this over the lowest reachable one count as equally low, metres.
    static let raiseTolerance = 0.001

    /// - Parameters:
    ///   - arms: candidate arms, preferred first.
    ///   - start: each arm's start TCP orientation (base frame).
    ///   - plan: plans the path for an arm, its TCP orientation at yaw 0 and the hand's depth below the TCP
    ///     (0: the nominal grasp height).
    /// - Returns: nil when the preferred arm already points down (nothing to choose).
    static func choose(
        controller: RobotController, arms: [Int], start: (Int) -> Quaternion,
        plan: (Int, Quaternion, Double) throws -> [Waypoint]
    ) rethrows -> (Grasper, [Waypoint])? {
        guard let first = arms.first else { return nil }
        guard start(first).angle(to: ReferencePolicy.pointingDown(start(first))) > 1e-3 else { return nil }
        var fallback: (Grasper, [Waypoint])?
        for arm in arms {
            var candidates: [(Grasper, [Waypoint])] = []
            for o in TiltSearch.tilts(from: start(arm)) {
                let nominal = try plan(arm, o, 0)
                let yaw = nominal.first?.yaw ?? 0
                let yawed = (Quaternion(axis: SIMD3(0, 0, 1), angle: yaw) * o).normalized
                let depth = TiltSearch.handDepth(
                    controller: controller, arm: arm,
                    orientation: controller.basePose.orientation * yawed, gripper: .open)
                let path = try plan(arm, o, depth)
                let grasp = { (p: [Waypoint]) in p.first { $0.label == "close" }?.position.z ?? 0 }
                let raise = max(0, grasp(path) - grasp(nominal))
                let miss = TiltSearch.trackingMiss(controller: controller, arm: arm, path: path, orientation: o)
                candidates.append((Grasper(arm: arm, orientation: o, depth: depth, miss: miss, raise: raise), path))
            }
            // Of the reachable tilts, those whose hand lets the TCP down nearest the planned grasp height.
            let reachable = candidates.filter { $0.0.miss < TiltSearch.tolerance }
            if let lowest = reachable.map(\.0.raise).min() {
                let ok = candidates.map { $0.0.miss < TiltSearch.tolerance && $0.0.raise <= lowest + raiseTolerance }
                if let k = TiltSearch.middleOfWidestRun(ok) { return candidates[k] }
            }
            for c in candidates where fallback == nil || c.0.miss < fallback!.0.miss { fallback = c }
        }
        return fallback
    }
}
