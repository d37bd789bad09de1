import BenchtopCore

/// One movable joint as the robot panel shows it.
public struct JointReadout: Sendable, Hashable {
    public var name: String
    /// rad (revolute) or m (prismatic).
    public var position: Double
    public var velocity: Double
    public var lower: Double
    public var upper: Double
    public var isPrismatic: Bool
    /// The motor's target, when one is set.
    public var target: Double?
    public init(
        name: String, position: Double, velocity: Double, lower: Double, upper: Double, isPrismatic: Bool, target: Double? = nil
    ) {
        self.name = name
        self.position = position
        self.velocity = velocity
        self.lower = lower
        self.upper = upper
        self.isPrismatic = isPrismatic
        self.target = target
    }
}

/// One robot (articulation) as the robot panel shows it.
public struct RobotReadout: Sendable, Hashable {
    public var name: String
    /// The control mode driving it ("joint sliders" when the panel's sliders do).
    public var controlMode: String
    public var joints: [JointReadout]
    /// TCP poses in the world frame, one per arm.
    public var tcp: [Pose]
    /// Whether the panel's joint sliders drive the joint motors (false: a controller or policy does).
    public var slidersDrive: Bool
    public init(name: String, controlMode: String, joints: [JointReadout], tcp: [Pose] = [], slidersDrive: Bool = false) {
        self.name = name
        self.controlMode = controlMode
        self.joints = joints
        self.tcp = tcp
        self.slidersDrive = slidersDrive
    }
}

/// One touching contact: where, the normal (on the second body, pointing to the first) and the normal force.
public struct ContactReadout: Sendable, Hashable {
    public var position: SIMD3<Double>
    public var normal: SIMD3<Double>
    /// Newtons.
    public var force: Double
    public var bodyA: Int
    public var bodyB: Int
    public init(position: SIMD3<Double>, normal: SIMD3<Double>, force: Double, bodyA: Int, bodyB: Int) {
        self.position = position
        self.normal = normal
        self.force = force
        self.bodyA = bodyA
        self.bodyB = bodyB
    }
}

/// A force and torque the viewer's mouse applies to one body, held over every physics step of a frame.
public struct BodyPerturbation: Sendable, Hashable {
    public var body: Int
    /// Newtons, world frame, applied at `point`.
    public var force: SIMD3<Double>
    /// Newton metres, world frame.
    public var torque: SIMD3<Double>
    public var point: SIMD3<Double>
    public init(body: Int, force: SIMD3<Double>, torque: SIMD3<Double>, point: SIMD3<Double>) {
        self.body = body
        self.force = force
        self.torque = torque
        self.point = point
    }
}

/// What the viewer's panels read from (and, where allowed, write to) a simulation beyond its snapshots:
/// robots' joints and TCP poses, contacts, joint sliders and mouse perturbation. Every member has a default, so
/// a simulation offers what it can.
public protocol ViewerInspection: AnyObject {
    func robots(_ snapshot: WorldSnapshot) -> [RobotReadout]
    /// Sets one joint motor's target (only called for robots whose `slidersDrive` is true).
    func setJointTarget(robot: Int, joint: Int, _ value: Double)
    /// Touching contacts after the last step.
    func contacts() -> [ContactReadout]
    /// Whether `perturb` is applied (the simulation steps physics itself, on the viewer's thread).
    var acceptsPerturbation: Bool { get }
    /// The force/torque to apply at every physics step until the next call (nil: none).
    func perturb(_ perturbation: BodyPerturbation?)
}

extension ViewerInspection {
    public func robots(_ snapshot: WorldSnapshot) -> [RobotReadout] { [] }
    public func setJointTarget(robot: Int, joint: Int, _ value: Double) {}
    public func contacts() -> [ContactReadout] { [] }
    public var acceptsPerturbation: Bool { false }
    public func perturb(_ perturbation: BodyPerturbation?) {}
}
