import BenchtopCore
import BenchtopRobot
import BenchtopTeleop
import EmbodimentKit

/// Turns operator commands (TCP velocity, turn rate, gripper, a target point) into actions of any control mode:
/// end-effector modes get deltas or poses (the controller solves IK), joint modes get the joints of the
/// embodiment's IK solution for the commanded TCP pose. Bimanual embodiments drive one arm, or both together.
public final class TeleopMapper {
    public let controller: RobotController
    /// Top TCP speed at full deflection, m/s, and turn rate, rad/s.
    public var linearSpeed = 0.15
    public var angularSpeed = 0.8
    /// The arm the operator drives; with `paired`, every arm follows the same motion.
    public var activeArm = 0
    public var paired = false
    /// Gripper aperture command of each arm (1 = open).
    public private(set) var apertures: [Double]
    /// The lowest world z a TCP target may take (the table top plus a clearance): commands below it are held at it,
    /// so the operator cannot drive the gripper into the table and jam the arm. Nil: no guard.
    public var floorZ: Double?
    /// How far a target may run ahead of the measured TCP, metres: an arm blocked by an object stops the target too,
    /// instead of winding it up (LeRobot's EE pipeline bounds each step likewise).
    public var maxLead = 0.05
    private var targets: [Pose]

    public init(controller: RobotController) {
        self.controller = controller
        let arms = controller.embodiment.arms.count
        apertures = [Double](repeating: 1, count: arms)
        targets = (0..<arms).map { controller.commandedTCPPose(arm: $0) }
    }

    /// Re-reads the commanded poses (after a reset).
    public func resynchronise() {
        targets = targets.indices.map { controller.commandedTCPPose(arm: $0) }
        apertures = apertures.map { _ in 1 }
    }

    public func switchArm() { activeArm = (activeArm + 1) % targets.count }

    /// The active arm's TCP target in the world frame (the viewer's marker).
    public var worldTarget: SIMD3<Double> { (controller.basePose * targets[activeArm]).position }

    /// One action for a tick of `dt` seconds from a device's command: rates in the operator frame of `view`,
    /// or a leader arm's action vector, passed through after a check of its length.
    public func action(command: TeleopCommand, view: OperatorView, dt: Double) throws -> [Double] {
        if let joints = command.jointAction {
            let expected = controller.mode.action.count
            guard joints.count == expected else {
                throw RecordingError(
                    "the leader gives \(joints.count) values, the control mode '\(controller.mode.name)' takes \(expected) (\(controller.mode.action.map(\.name).joined(separator: ", ")))"
                )
            }
            return joints
        }
        let toBase = controller.basePose.orientation.conjugate
        return try action(
            translation: toBase.act(view.world(command.translation)), rotation: toBase.act(view.world(command.rotation)),
            toggleGripper: command.toggleGripper, gripper: command.gripper, dragTarget: command.dragTarget, dt: dt)
    }

    /// One action for a tick of `dt` seconds. `translation`, `rotation`: -1 ... 1 per base-frame axis;
    /// `dragTarget`: a world point the active TCP moves towards at the top speed.
    public func action(
        translation: SIMD3<Double>, rotation: SIMD3<Double>, toggleGripper: Bool, gripper: Bool?,
        dragTarget: SIMD3<Double>?, dt: Double
    ) throws -> [Double] {
        let arms = paired ? Array(targets.indices) : [activeArm]
        var step = clamp(translation) * linearSpeed * dt
        if let dragTarget {
            let goal = controller.basePose.inverse.transform(dragTarget)
            var d = goal - targets[activeArm].position
            let n = (d * d).sum().squareRoot()
            let maxStep = linearSpeed * dt
            if n > maxStep { d *= maxStep / n }
            step = d
        }
        let turn = clamp(rotation) * angularSpeed * dt
        for a in arms {
            targets[a].position += step
            bound(arm: a)
            targets[a].orientation = (Quaternion(roll: turn.x, pitch: turn.y, yaw: turn.z) * targets[a].orientation).normalized
            if toggleGripper { apertures[a] = apertures[a] > 0.5 ? 0 : 1 }
            if let gripper { apertures[a] = gripper ? 0 : 1 }
        }
        return try encode()
    }

    /// Keeps arm `a`'s target above the floor and within `maxLead` of its measured TCP.
    private func bound(arm a: Int) {
        var p = targets[a].position
        let tcp = controller.tcpPose(arm: a).position
        let lead = p - tcp
        let n = (lead * lead).sum().squareRoot()
        if n > maxLead { p = tcp + lead * (maxLead / n) }
        if let floorZ {
            var world = controller.basePose.transform(p)
            if world.z < floorZ {
                world.z = floorZ
                p = controller.basePose.inverse.transform(world)
            }
        }
        targets[a].position = p
    }

    /// Whether arm `a`'s target is held at the floor (for the overlay).
    public func atFloor(arm a: Int) -> Bool {
        guard let floorZ else { return false }
        return controller.basePose.transform(targets[a].position).z <= floorZ + 1e-9
    }

    private func clamp(_ v: SIMD3<Double>) -> SIMD3<Double> { SIMD3(min(max(v.x, -1), 1), min(max(v.y, -1), 1), min(max(v.z, -1), 1)) }

    private func encode() throws -> [Double] {
        let mode = controller.mode
        var joints: [Int: [Double]] = [:]
        var seed = controller.targets
        return try mode.action.map { channel in
            let si: Double
            switch channel.source {
            case .tcpDeltaPosition(let a, let axis): si = targets[a].position[axis] - controller.commandedTCPPose(arm: a).position[axis]
            case .tcpDeltaRotation(let a, let axis):
                let r = (targets[a].orientation * controller.commandedTCPPose(arm: a).orientation.conjugate).normalized
                si = r.rollPitchYaw[axis]
            case .tcpPosition(let a, let axis): si = targets[a].position[axis]
            case .tcpRotation(let a, let axis): si = targets[a].orientation.rollPitchYaw[axis]
            case .gripper(let a): si = apertures[a]
            case .joint(let a, let index):
                if joints[a] == nil {
                    let solution = controller.kinematics[a].solve(target: targets[a], seed: seed)
                    seed = solution.positions
                    joints[a] = solution.positions
                }
                guard let q = joints[a] else { throw RecordingError("inverse kinematics failed for arm \(a)") }
                si = q[controller.dofs(arm: a).joints[index]]
            }
            return channel.encode(si)
        }
    }
}
