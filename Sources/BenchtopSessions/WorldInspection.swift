import BenchtopCore
import BenchtopPhysics
import BenchtopRobot
import BenchtopViewer

/// The viewer's panels over a live `World` and its robot controllers: joint and TCP readouts, contacts, and
/// (with `drivesJoints`) joint sliders. Used by sessions whose world changes between episodes, so the world and
/// controllers are read through closures each time.
public final class WorldInspection: ViewerInspection {
    let world: () -> World
    let controllers: () -> [RobotController]
    /// Whether the joint sliders drive the motors (`view`), or the joints follow a controller (teleop, eval).
    public let drivesJoints: Bool
    private var targets: [Int: [Double]] = [:]

    public init(world: @escaping () -> World, controllers: @escaping () -> [RobotController], drivesJoints: Bool) {
        self.world = world
        self.controllers = controllers
        self.drivesJoints = drivesJoints
    }

    public func robots(_ snapshot: WorldSnapshot) -> [RobotReadout] {
        let w = world()
        let controllers = controllers()
        return w.articulations.enumerated().map { index, a in
            let controller = controllers.first { $0.articulation == index }
            let state = index < snapshot.articulations.count ? snapshot.articulations[index] : w.jointState(articulation: index)
            let sliderTargets = targets[index]
            let joints = a.joints.enumerated().map { k, j in
                JointReadout(
                    name: j.name, position: state.jointPositions[k], velocity: state.jointVelocities[k], lower: j.lower,
                    upper: j.upper, isPrismatic: j.kind == .prismatic, target: sliderTargets?[k] ?? controller?.targets[k])
            }
            let tcp = controller.map { c in (0..<c.kinematics.count).map { c.basePose * c.tcpPose(arm: $0) } } ?? []
            return RobotReadout(
                name: a.name, controlMode: drivesJoints ? "joint sliders" : controller?.mode.name ?? "no controller", joints: joints, tcp: tcp,
                slidersDrive: drivesJoints)
        }
    }

    public func setJointTarget(robot: Int, joint: Int, _ value: Double) {
        guard drivesJoints else { return }
        let w = world()
        var t = targets[robot] ?? controllers().first { $0.articulation == robot }?.targets ?? w.jointState(articulation: robot).jointPositions
        guard joint < t.count else { return }
        t[joint] = value
        targets[robot] = t
        w.setJointTargets(articulation: robot, positions: t)
    }

    public func contacts() -> [ContactReadout] {
        world().contacts().map {
            ContactReadout(position: $0.positionOnB, normal: $0.normalOnB, force: $0.normalForce, bodyA: $0.bodyA, bodyB: $0.bodyB)
        }
    }
}

/// `benchtop view`: a world stepped on the viewer's thread, so joint sliders and mouse forces reach every physics step.
public final class WorldViewerSimulation: ViewerSimulation, ViewerInspection {
    public let world: World
    public let controllers: [RobotController]
    private lazy var inspection = WorldInspection(
        world: { [unowned self] in self.world }, controllers: { [unowned self] in self.controllers }, drivesJoints: true)
    private var perturbation: BodyPerturbation?

    public init(world: World, controllers: [RobotController]) {
        self.world = world
        self.controllers = controllers
    }

    public var bodies: [BodyDescription] { world.bodies }
    public var timeStep: Double { world.timeStep }
    public func snapshot() -> WorldSnapshot { world.snapshot() }
    public func reset() throws { try world.reset() }

    public func step(_ count: Int) throws {
        guard let p = perturbation else { return try world.step(count) }
        // Bullet clears applied forces after each step: apply them before every one. A torque is a couple of two
        // opposite forces 10 cm apart across the point.
        let tn = length(p.torque)
        let axis = tn > 0 ? p.torque / tn : SIMD3<Double>(0, 0, 1)
        let helper = abs(axis.z) < 0.9 ? SIMD3<Double>(0, 0, 1) : SIMD3<Double>(1, 0, 0)
        let r = cross(axis, helper) / length(cross(axis, helper)) * 0.05  // perpendicular to the axis
        // 2 r x F = torque with F along axis x r: |F| = |torque| / (2 |r|).
        let couple = cross(axis, r) / 0.05 * (tn / (2 * 0.05))
        for _ in 0..<max(count, 0) {
            if length(p.force) > 0 { world.applyForce(body: p.body, p.force, at: p.point) }
            if tn > 0 {
                world.applyForce(body: p.body, couple, at: p.point + r)
                world.applyForce(body: p.body, -couple, at: p.point - r)
            }
            try world.step(1)
        }
    }

    public func robots(_ snapshot: WorldSnapshot) -> [RobotReadout] { inspection.robots(snapshot) }
    public func setJointTarget(robot: Int, joint: Int, _ value: Double) { inspection.setJointTarget(robot: robot, joint: joint, value) }
    public func contacts() -> [ContactReadout] { inspection.contacts() }
    public var acceptsPerturbation: Bool { true }
    public func perturb(_ perturbation: BodyPerturbation?) { self.perturbation = perturbation }
}
