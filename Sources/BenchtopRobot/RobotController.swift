import BenchtopCore
import BenchtopPhysics
import EmbodimentKit

/// Applies an embodiment's control modes to one articulation of a `World`: reads the state features, turns
/// actions (joint positions, end-effector deltas or poses, gripper values in dataset units) into joint-motor
/// targets, solving inverse kinematics where needed.
///
/// This glue sees both the plugin API and the physics; plugins never do.
public final class RobotController {
    public let world: World
    public let articulation: Int
    public let embodiment: EmbodimentDescriptor
    public private(set) var mode: ControlMode
    public let kinematics: [ArmKinematics]
    /// The joint targets last sent to the motors (full movable-joint vector).
    public private(set) var targets: [Double]
    /// Commanded TCP poses (base frame) of each arm, the reference for end-effector deltas so that
    /// small deltas do not accumulate tracking error.
    private var commandedTCP: [Pose?]
    private let armDofs: [[Int]]
    private let gripperDofs: [[Int]]
    private let efforts: [Double]
    /// Roll, pitch, yaw of each arm's TCP at the home pose: state angles are reported within ±π of these.
    private let homeRollPitchYaw: [SIMD3<Double>]
    public var ikOptions = ArmKinematics.IKOptions()

    /// Attaches to the articulation named `robot` (the scene robot name) or at index `articulation`.
    public init(world: World, articulation: Int, embodiment: EmbodimentDescriptor, mode: String? = nil) throws {
        self.world = world
        self.articulation = articulation
        self.embodiment = embodiment
        guard let m = embodiment.controlMode(mode) else {
            throw EmbodimentError(
                embodiment: embodiment.name, field: "control_mode",
                "no mode '\(mode ?? "")'; supported: \(embodiment.controlModes.map(\.name).joined(separator: ", "))")
        }
        self.mode = m
        kinematics = try embodiment.arms.indices.map { try ArmKinematics(descriptor: embodiment, arm: $0) }
        armDofs = embodiment.arms.map { $0.joints.map { embodiment.jointIndex(named: $0)! } }
        gripperDofs = embodiment.arms.map { ($0.gripper?.joints ?? []).map { embodiment.jointIndex(named: $0)! } }
        var e = embodiment.joints.map { $0.effort > 0 ? $0.effort : 1e6 }
        for (a, arm) in embodiment.arms.enumerated() { if let g = arm.gripper { for d in gripperDofs[a] { e[d] = g.effort } } }
        efforts = e
        let home = embodiment.homePositions
        homeRollPitchYaw = kinematics.map { $0.tcpPose(home).orientation.rollPitchYaw }
        targets = world.jointState(articulation: articulation).jointPositions
        commandedTCP = [Pose?](repeating: nil, count: embodiment.arms.count)
    }

    /// Switches the control mode (by name or kind).
    public func setMode(_ name: String) throws {
        guard let m = embodiment.controlMode(name) else {
            throw EmbodimentError(embodiment: embodiment.name, field: "control_mode", "no mode '\(name)'")
        }
        mode = m
        commandedTCP = commandedTCP.map { _ in nil }
    }

    /// World pose of the articulation base.
    public var basePose: Pose { world.articulations[articulation].spec.base }

    /// Current joint positions (full movable-joint vector).
    public var jointPositions: [Double] { world.jointState(articulation: articulation).jointPositions }

    /// The TCP pose (base frame) that the next end-effector delta is applied to: the last commanded pose, or
    /// the measured one before any end-effector command. Planners integrate from it, so deltas never drift.
    public func commandedTCPPose(arm: Int = 0) -> Pose { commandedTCP[arm] ?? tcpPose(arm: arm) }

    /// TCP pose of an arm in the base frame, from the measured joint positions.
    public func tcpPose(arm: Int = 0) -> Pose { kinematics[arm].tcpPose(jointPositions) }

    /// Gripper aperture (0 closed ... 1 open) of an arm from the measured finger positions.
    public func gripperAperture(arm: Int = 0) -> Double {
        guard let g = embodiment.arms[arm].gripper else { return 0 }
        let q = jointPositions
        return g.aperture(positions: gripperDofs[arm].map { q[$0] })
    }

    /// The state vector of the current mode, in dataset units.
    public func state() -> [Double] {
        let q = jointPositions
        let tcp = kinematics.map { $0.tcpPose(q) }
        return mode.state.map { ch in
            let si: Double
            switch ch.source {
            case .joint(let a, let i): si = q[armDofs[a][i]]
            case .gripper(let a): si = embodiment.arms[a].gripper!.aperture(positions: gripperDofs[a].map { q[$0] })
            case .tcpPosition(let a, let axis): si = tcp[a].position[axis]
            case .tcpRotation(let a, let axis):
                si = Self.angle(tcp[a].orientation.rollPitchYaw[axis], around: homeRollPitchYaw[a][axis])
            case .tcpDeltaPosition, .tcpDeltaRotation: si = 0
            }
            return ch.encode(si)
        }
    }

    /// `angle` shifted by whole turns into [centre − π, centre + π]. State angles are centred on the home pose's so
    /// that they are continuous wherever an arm works: a gripper pointing down has roll ≈ ±π, where the usual
    /// (−π, π] range would jump by 2π between frames (and make roll statistics meaningless).
    static func angle(_ angle: Double, around centre: Double) -> Double {
        angle - 2 * .pi * ((angle - centre) / (2 * .pi)).rounded()
    }

    /// Applies one action of the current mode (dataset units) by setting joint-motor targets.
    public func apply(action: [Double]) throws {
        guard action.count == mode.action.count else {
            throw EmbodimentError(
                embodiment: embodiment.name, field: "action",
                "expected \(mode.action.count) values for mode '\(mode.name)', got \(action.count)")
        }
        guard action.allSatisfy(\.isFinite) else {
            throw EmbodimentError(embodiment: embodiment.name, field: "action", "non-finite value in \(action)")
        }
        var q = targets
        let measured = jointPositions
        // Absolute pose channels: NaN marks an axis the action does not set.
        var position = [SIMD3<Double>](repeating: SIMD3(repeating: .nan), count: embodiment.arms.count)
        var rpy = [SIMD3<Double>](repeating: SIMD3(repeating: .nan), count: embodiment.arms.count)
        var dpos = [SIMD3<Double>](repeating: .zero, count: embodiment.arms.count)
        var drpy = [SIMD3<Double>](repeating: .zero, count: embodiment.arms.count)
        var moveTCP = [Bool](repeating: false, count: embodiment.arms.count)
        for (ch, value) in zip(mode.action, action) {
            let si = ch.decode(value)
            switch ch.source {
            case .joint(let a, let i): q[armDofs[a][i]] = si
            case .gripper(let a):
                let p = embodiment.arms[a].gripper!.positions(aperture: si)
                for (k, d) in gripperDofs[a].enumerated() { q[d] = p[k] }
            case .tcpPosition(let a, let axis):
                position[a][axis] = si
                moveTCP[a] = true
            case .tcpRotation(let a, let axis):
                rpy[a][axis] = si
                moveTCP[a] = true
            case .tcpDeltaPosition(let a, let axis):
                dpos[a][axis] = si
                moveTCP[a] = true
            case .tcpDeltaRotation(let a, let axis):
                drpy[a][axis] = si
                moveTCP[a] = true
            }
        }
        for a in embodiment.arms.indices where moveTCP[a] {
            let reference = commandedTCP[a] ?? kinematics[a].tcpPose(measured)
            var target = reference
            for axis in 0..<3 where !position[a][axis].isNaN { target.position[axis] = position[a][axis] }
            if !rpy[a].x.isNaN || !rpy[a].y.isNaN || !rpy[a].z.isNaN {
                var r = target.orientation.rollPitchYaw
                for axis in 0..<3 where !rpy[a][axis].isNaN { r[axis] = rpy[a][axis] }
                target.orientation = Quaternion(roll: r.x, pitch: r.y, yaw: r.z)
            }
            target.position += dpos[a]
            target.orientation = (Quaternion(roll: drpy[a].x, pitch: drpy[a].y, yaw: drpy[a].z) * target.orientation).normalized
            let solution = kinematics[a].solve(target: target, seed: q, options: ikOptions)
            for d in armDofs[a] { q[d] = solution.positions[d] }
            commandedTCP[a] = target
        }
        setJointTargets(q)
    }

    /// Sends joint targets (full movable-joint vector, SI), clamped to the joint limits by the world.
    public func setJointTargets(_ q: [Double]) {
        targets = q
        let g = embodiment.motorGains
        world.setJointTargets(articulation: articulation, positions: q, positionGain: g.position, velocityGain: g.velocity, efforts: efforts)
    }

    /// Sets the arm joints of `arm` and its gripper aperture as targets, leaving other joints' targets alone.
    public func command(arm: Int, joints: [Double]? = nil, aperture: Double? = nil) {
        var q = targets
        if let joints { for (k, d) in armDofs[arm].enumerated() { q[d] = joints[k] } }
        if let aperture, let g = embodiment.arms[arm].gripper {
            for (k, d) in gripperDofs[arm].enumerated() { q[d] = g.positions(aperture: aperture)[k] }
        }
        setJointTargets(q)
    }

    /// Movable-joint indices of an arm's joints and of its gripper joints.
    public func dofs(arm: Int) -> (joints: [Int], gripper: [Int]) { (armDofs[arm], gripperDofs[arm]) }
}
