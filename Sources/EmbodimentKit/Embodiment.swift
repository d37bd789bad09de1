import BenchtopCore

/// A robot type, as a plugin describes it: the articulation, its arms and grippers, mounted cameras, the
/// control modes it accepts and, for each mode, the dataset features of its state and action.
///
/// Everything is in SI units in the robot's base frame; dataset units (degrees, gripper 0 ... 100) are
/// mappings declared by the feature channels of each control mode.
public struct EmbodimentDescriptor: Sendable, Hashable {
    /// Registry name (`benchtop embodiments show NAME`).
    public var name: String
    public var summary: String
    /// The kinematic tree with its base at the identity; placement happens when a world is built.
    public var articulation: ArticulationSpec
    public var arms: [Arm]
    /// Cameras the datasets of this robot use, in dataset order, mounted on links of the robot.
    public var cameras: [MountedCamera]
    public var controlModes: [ControlMode]
    /// Default base pose in the Benchtop world frame (table top at z = 0.75, objects at x = 0.45 ... 0.55).
    public var defaultBase: Pose
    /// Gains of the implicit joint motors (Bullet multibody motors: an ERP-like position fraction and a
    /// velocity gain), tuned so that every joint tracks its target without oscillation.
    public var motorGains: MotorGains
    /// Where the numbers come from (shown by `embodiments show`).
    public var sources: String

    public init(
        name: String, summary: String, articulation: ArticulationSpec, arms: [Arm], cameras: [MountedCamera] = [],
        controlModes: [ControlMode], defaultBase: Pose = Pose(position: SIMD3(0, 0, 0.75)),
        motorGains: MotorGains = MotorGains(), sources: String = ""
    ) {
        self.name = name
        self.summary = summary
        self.articulation = articulation
        self.arms = arms
        self.cameras = cameras
        self.controlModes = controlModes
        self.defaultBase = defaultBase
        self.motorGains = motorGains
        self.sources = sources
    }

    /// The movable joints of the articulation, in order: the layout of joint vectors.
    public var joints: [JointSpec] { articulation.movableJoints }

    /// Index of a movable joint by name.
    public func jointIndex(named name: String) -> Int? { joints.firstIndex { $0.name == name } }

    /// The home pose over all movable joints: each arm's home and open grippers; other joints at zero
    /// (or the middle of their range when zero is outside it).
    public var homePositions: [Double] {
        var q = joints.map { j in j.lower <= j.upper && (0 < j.lower || 0 > j.upper) ? (j.lower + j.upper) / 2 : 0 }
        for arm in arms {
            for (k, name) in arm.joints.enumerated() { if let i = jointIndex(named: name) { q[i] = arm.home[k] } }
            if let g = arm.gripper {
                for (k, name) in g.joints.enumerated() { if let i = jointIndex(named: name) { q[i] = g.open[k] } }
            }
        }
        return q
    }

    /// The control mode of a kind, or by name; nil picks the first declared mode.
    public func controlMode(_ name: String? = nil) -> ControlMode? {
        guard let name else { return controlModes.first }
        return controlModes.first { $0.name == name || $0.kind.rawValue == name }
    }

    /// Checks internal consistency: names resolve, vector lengths match, limits hold the home pose.
    public func validate() throws {
        func fail(_ field: String, _ message: String) -> EmbodimentError { EmbodimentError(embodiment: name, field: field, message) }
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else {
            throw fail("name", "expected letters, digits, '_' or '-', got '\(name)'")
        }
        guard !arms.isEmpty else { throw fail("arms", "expected at least one arm") }
        let linkNames = Set(articulation.links.map(\.name))
        for (a, arm) in arms.enumerated() {
            let field = "arms[\(a)]"
            guard linkNames.contains(arm.tcpLink) else { throw fail(field + ".tcp_link", "no link named '\(arm.tcpLink)'") }
            guard arm.home.count == arm.joints.count else {
                throw fail(field + ".home", "expected \(arm.joints.count) values (one per arm joint), got \(arm.home.count)")
            }
            for (k, j) in arm.joints.enumerated() {
                guard let i = jointIndex(named: j) else { throw fail(field + ".joints[\(k)]", "no movable joint named '\(j)'") }
                let js = joints[i]
                if js.lower <= js.upper, arm.home[k] < js.lower - 1e-9 || arm.home[k] > js.upper + 1e-9 {
                    throw fail(field + ".home[\(k)]", "home \(arm.home[k]) is outside the limits [\(js.lower), \(js.upper)] of '\(j)'")
                }
            }
            if let g = arm.gripper {
                guard !g.joints.isEmpty, g.open.count == g.joints.count, g.closed.count == g.joints.count else {
                    throw fail(field + ".gripper", "expected one open and one closed position per gripper joint")
                }
                for (k, j) in g.joints.enumerated() where jointIndex(named: j) == nil {
                    throw fail(field + ".gripper.joints[\(k)]", "no movable joint named '\(j)'")
                }
            }
        }
        for (c, cam) in cameras.enumerated() where !linkNames.contains(cam.link) {
            throw fail("cameras[\(c)].link", "no link named '\(cam.link)'")
        }
        guard !controlModes.isEmpty else { throw fail("control_modes", "expected at least one control mode") }
        for (m, mode) in controlModes.enumerated() {
            for (role, channels) in [("state", mode.state), ("action", mode.action)] {
                for (k, ch) in channels.enumerated() {
                    let f = "control_modes[\(m)].\(role)[\(k)]"
                    guard ch.source.arm < arms.count else {
                        throw fail(f, "channel '\(ch.name)' names arm \(ch.source.arm); there are \(arms.count)")
                    }
                    if case .joint(let arm, let index) = ch.source, index >= arms[arm].joints.count {
                        throw fail(f, "channel '\(ch.name)' names joint \(index) of arm \(arm), which has \(arms[arm].joints.count)")
                    }
                    if case .gripper(let arm) = ch.source, arms[arm].gripper == nil {
                        throw fail(f, "channel '\(ch.name)' reads a gripper, but arm \(arm) has none")
                    }
                }
            }
            if mode.kind == .jointPosition {
                guard mode.action.allSatisfy({ if case .joint = $0.source { true } else if case .gripper = $0.source { true } else { false } }) else {
                    throw fail("control_modes[\(m)].action", "a joint-position action may only hold joint and gripper channels")
                }
            }
        }
    }
}

/// A serial chain ending at a tool centre point, with an optional gripper.
public struct Arm: Sendable, Hashable {
    public var name: String
    /// Movable joints from the base to the tool, in order.
    public var joints: [String]
    /// The link carrying the tool centre point, and the TCP in that link's frame.
    public var tcpLink: String
    public var tcpOffset: Pose
    /// Home joint positions of `joints`.
    public var home: [Double]
    public var gripper: Gripper?

    public init(name: String, joints: [String], tcpLink: String, tcpOffset: Pose, home: [Double], gripper: Gripper? = nil) {
        self.name = name
        self.joints = joints
        self.tcpLink = tcpLink
        self.tcpOffset = tcpOffset
        self.home = home
        self.gripper = gripper
    }
}

/// A gripper driven by one command: aperture 0 (closed) ... 1 (open) maps linearly onto each joint.
public struct Gripper: Sendable, Hashable {
    /// The finger joints, each with its own motor; one command drives them all.
    public var joints: [String]
    /// Joint positions when fully open and fully closed.
    public var open: [Double]
    public var closed: [Double]
    /// Maximum force (N) or torque (N m) of each finger motor while grasping.
    public var effort: Double
    /// For a jaw that closes against a fixed jaw (SO arms): the fixed jaw's contact face on the TCP's x axis,
    /// metres; a held object lies on the other side of it. Nil when the fingers close symmetrically about the TCP.
    public var fixedJawFace: Double?

    public init(joints: [String], open: [Double], closed: [Double], effort: Double, fixedJawFace: Double? = nil) {
        self.joints = joints
        self.open = open
        self.closed = closed
        self.effort = effort
        self.fixedJawFace = fixedJawFace
    }

    /// Joint positions for an aperture in 0 ... 1 (clamped).
    public func positions(aperture: Double) -> [Double] {
        let a = min(max(aperture, 0), 1)
        return zip(closed, open).map { c, o in c + (o - c) * a }
    }

    /// Aperture in 0 ... 1 from the joint positions (mean over the fingers).
    public func aperture(positions q: [Double]) -> Double {
        var sum = 0.0
        for k in joints.indices {
            let span = open[k] - closed[k]
            sum += span == 0 ? 0 : (q[k] - closed[k]) / span
        }
        return min(max(sum / Double(joints.count), 0), 1)
    }
}

/// Gains of the implicit joint motors.
public struct MotorGains: Sendable, Hashable {
    /// Fraction of the position error corrected per step (0 ... 1).
    public var position: Double
    public var velocity: Double

    public init(position: Double = 0.3, velocity: Double = 1.0) {
        self.position = position
        self.velocity = velocity
    }
}

/// A camera rigidly mounted on a link; the offset uses the OpenGL camera convention (looks along -z, y up),
/// as the scene's `Camera` does.
public struct MountedCamera: Sendable, Hashable {
    public var name: String
    public var link: String
    public var offset: Pose
    public var verticalFieldOfView: Double
    public var width: Int
    public var height: Int

    public init(name: String, link: String, offset: Pose, verticalFieldOfView: Double, width: Int, height: Int) {
        self.name = name
        self.link = link
        self.offset = offset
        self.verticalFieldOfView = verticalFieldOfView
        self.width = width
        self.height = height
    }

    /// A camera at `eye` looking at `target` (both in the link frame), `up` roughly up in the picture.
    public init(
        name: String, link: String, eye: SIMD3<Double>, target: SIMD3<Double>, up: SIMD3<Double> = SIMD3(0, 0, 1),
        verticalFieldOfView: Double, width: Int, height: Int
    ) {
        self.init(
            name: name, link: link, offset: Pose.lookAt(eye: eye, target: target, up: up),
            verticalFieldOfView: verticalFieldOfView, width: width, height: height)
    }
}

extension Pose {
    /// The OpenGL-convention camera pose at `eye` looking at `target`: local -z towards the target, local y up.
    public static func lookAt(eye: SIMD3<Double>, target: SIMD3<Double>, up: SIMD3<Double>) -> Pose {
        let back = normalize3(eye - target)
        var right = cross(up, back)
        if length(right) < 1e-9 { right = cross(SIMD3(0, 1, 0), back) }
        right = normalize3(right)
        let trueUp = cross(back, right)
        return Pose(position: eye, orientation: Quaternion(rotationColumns: right, trueUp, back))
    }
}

func normalize3(_ v: SIMD3<Double>) -> SIMD3<Double> {
    let n = length(v)
    return n > 0 ? v / n : v
}

/// A description error naming the embodiment, the field and what was expected.
public struct EmbodimentError: Error, CustomStringConvertible, Sendable, Equatable {
    public var embodiment: String
    public var field: String
    public var message: String
    public init(embodiment: String, field: String, _ message: String) {
        self.embodiment = embodiment
        self.field = field
        self.message = message
    }
    public var description: String { "embodiment '\(embodiment)': \(field): \(message)" }
}
