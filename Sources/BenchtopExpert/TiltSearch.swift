import BenchtopCore
import BenchtopRobot
import EmbodimentKit

/// What the grasp and push choices share: tilt candidates between a gripper's start orientation and pointing
/// down, how far the hand reaches below the TCP, and whether IK tracking reaches a path.
enum TiltSearch {
    /// Tilt candidates from the start orientation (0) to pointing down (1).
    static let steps = 6
    /// A path is reachable when IK tracking misses by less than this, metres.
    static let tolerance = 0.003

    /// `steps + 1` TCP orientations from `start` to the nearest orientation pointing straight down, evenly turned.
    static func tilts(from start: Quaternion) -> [Quaternion] {
        let turn = (ReferencePolicy.pointingDown(start) * start.conjugate).normalized.rotationVector
        return (0...steps).map { k in (Quaternion(rotationVector: turn * (Double(k) / Double(steps))) * start).normalized }
    }

    /// The middle index of the widest run of consecutive true entries (the lower middle of an even run; the first
    /// of equally wide runs), nil when none is true.
    static func middleOfWidestRun(_ ok: [Bool]) -> Int? {
        var best: Range<Int>?
        var k = 0
        while k < ok.count {
            guard ok[k] else {
                k += 1
                continue
            }
            var end = k
            while end < ok.count && ok[end] { end += 1 }
            if best == nil || end - k > best!.count { best = k..<end }
            k = end
        }
        return best.map { ($0.lowerBound + $0.upperBound - 1) / 2 }
    }

    enum GripperState { case open, closed }

    /// How far the hand (the TCP link and every link it carries, gripper closed or open) reaches below the TCP
    /// when the TCP has world orientation `orientation`, metres.
    static func handDepth(
        controller: RobotController, arm: Int, orientation: Quaternion,
        gripper state: GripperState = .closed
    ) -> Double {
        let kinematics = controller.kinematics[arm]
        let spec = kinematics.tree.spec
        var q = controller.jointPositions
        if let g = controller.embodiment.arms[arm].gripper {
            for (k, d) in controller.dofs(arm: arm).gripper.enumerated() { q[d] = state == .closed ? g.closed[k] : g.open[k] }
        }
        let links = kinematics.tree.linkPoses(q)
        let tcp = links[kinematics.tcpLink] * kinematics.tcpOffset
        var carried: Set<Int> = [kinematics.tcpLink]
        for joint in spec.joints where carried.contains(joint.parent) { carried.insert(joint.child) }
        var depth = 0.0
        for link in carried {
            for part in spec.links[link].collision {
                let local = tcp.inverse * links[link] * part.pose
                let r = orientation * local.orientation
                let centre = orientation.act(local.position).z
                depth = max(depth, reachBelow(part.shape, rotation: r) - centre)
            }
        }
        return depth
    }

    /// The extent of a shape below its centre along world -z, for the shape turned by `rotation`.
    static func reachBelow(_ shape: Shape, rotation r: Quaternion) -> Double {
        let down = r.conjugate.act(SIMD3(0, 0, -1))
        switch shape {
        case .box(let h): return abs(down.x) * h.x + abs(down.y) * h.y + abs(down.z) * h.z
        case .sphere(let radius): return radius
        case .cylinder(let radius, let hh): return abs(down.z) * hh + radius * (1 - down.z * down.z).squareRoot()
        case .capsule(let radius, let hh): return abs(down.z) * hh + radius
        case .convexHull(let points): return points.map { ($0 * down).sum() }.max() ?? 0
        case .mesh(let mesh): return mesh.positions.map { ($0 * down).sum() }.max() ?? 0
        }
    }

    /// The largest miss of IK tracking (seeded from the previous solution, no restarts, as the policy does) from
    /// the arm's current joints to the push's first waypoint and along the rest of the push down to its end.
    static func trackingMiss(controller: RobotController, arm: Int, path: [Waypoint], orientation: Quaternion) -> Double {
        let kinematics = controller.kinematics[arm]
        let base = controller.basePose
        var q = controller.targets
        var current = kinematics.tcpPose(q)
        var miss = 0.0
        for (n, w) in path.prefix { $0.label != "retreat" }.enumerated() {
            let target = Pose(
                position: base.inverse.transform(w.position),
                orientation: (Quaternion(axis: SIMD3(0, 0, 1), angle: w.yaw) * orientation).normalized)
            let distance = length(target.position - current.position)
            let turn = (target.orientation * current.orientation.conjugate).normalized.rotationVector
            let count = max(1, Int((max(distance / 0.01, length(turn) / 0.05)).rounded(.up)))
            for s in 1...count {
                let t = Double(s) / Double(count)
                let pose = Pose(
                    position: current.position + (target.position - current.position) * t,
                    orientation: (Quaternion(rotationVector: turn * t) * current.orientation).normalized)
                let solution = kinematics.solve(target: pose, seed: q, options: ArmKinematics.IKOptions())
                q = solution.positions
                // The way to the first waypoint is travel in free space; the push itself must be reached.
                if n > 0 { miss = max(miss, solution.positionError + 0.1 * solution.orientationError) }
            }
            current = target
        }
        return miss
    }
}
