/// Joint kinds an articulation can have.
public enum JointKind: String, Sendable, Hashable, Codable {
    case fixed, revolute, prismatic
}

/// Mass properties of a link, URDF style: the inertia tensor about the centre of mass, in the `frame` axes.
public struct Inertial: Sendable, Hashable, Codable {
    public var mass: Double
    /// The inertial frame in the link frame (centre of mass and tensor axes).
    public var frame: Pose
    /// Ixx, Iyy, Izz, Ixy, Ixz, Iyz in kg m^2.
    public var ixx: Double, iyy: Double, izz: Double, ixy: Double, ixz: Double, iyz: Double

    public init(
        mass: Double, frame: Pose = .identity, ixx: Double, iyy: Double, izz: Double,
        ixy: Double = 0, ixz: Double = 0, iyz: Double = 0
    ) {
        self.mass = mass
        self.frame = frame
        self.ixx = ixx
        self.iyy = iyy
        self.izz = izz
        self.ixy = ixy
        self.ixz = ixz
        self.iyz = iyz
    }
}

/// One rigid link of an articulation.
public struct LinkSpec: Sendable, Hashable, Codable {
    public var name: String
    public var inertial: Inertial
    /// Collision primitives in the link frame.
    public var collision: [ShapePart]
    /// Visual primitives in the link frame (defaults to the collision shapes when empty).
    public var visual: [ShapePart]
    public var color: Color
    public var friction: Double

    public init(
        name: String, inertial: Inertial, collision: [ShapePart] = [], visual: [ShapePart] = [],
        color: Color = Color(0.9, 0.9, 0.9), friction: Double = 0.9
    ) {
        self.name = name
        self.inertial = inertial
        self.collision = collision
        self.visual = visual
        self.color = color
        self.friction = friction
    }
}

/// A joint connecting a parent link to a child link, URDF style: the child's link frame coincides with the
/// joint frame, placed by `origin` in the parent link frame and moved by q along or about `axis`.
public struct JointSpec: Sendable, Hashable, Codable {
    public var name: String
    public var kind: JointKind
    public var parent: Int
    public var child: Int
    public var origin: Pose
    /// Unit axis in the joint frame.
    public var axis: SIMD3<Double>
    public var lower: Double
    public var upper: Double
    /// Maximum motor torque (N m) or force (N).
    public var effort: Double
    /// Maximum joint speed (rad/s or m/s).
    public var velocity: Double
    public var damping: Double
    public var friction: Double

    public init(
        name: String, kind: JointKind, parent: Int, child: Int, origin: Pose, axis: SIMD3<Double> = SIMD3(0, 0, 1),
        lower: Double = 0, upper: Double = 0, effort: Double = 0, velocity: Double = 0,
        damping: Double = 0, friction: Double = 0
    ) {
        self.name = name
        self.kind = kind
        self.parent = parent
        self.child = child
        self.origin = origin
        self.axis = axis
        self.lower = lower
        self.upper = upper
        self.effort = effort
        self.velocity = velocity
        self.damping = damping
        self.friction = friction
    }
}

/// A kinematic tree ready to be compiled into a physics articulation: links[0] is the root (base) link,
/// and joints are listed so that every parent comes before its child.
public struct ArticulationSpec: Sendable, Hashable, Codable {
    public var name: String
    /// World pose of the root link frame.
    public var base: Pose
    public var fixedBase: Bool
    public var links: [LinkSpec]
    public var joints: [JointSpec]
    /// Initial positions of the movable joints, in joint order (empty: zeros).
    public var initialPositions: [Double]

    public init(
        name: String, base: Pose, fixedBase: Bool = true, links: [LinkSpec], joints: [JointSpec],
        initialPositions: [Double] = []
    ) {
        self.name = name
        self.base = base
        self.fixedBase = fixedBase
        self.links = links
        self.joints = joints
        self.initialPositions = initialPositions
    }

    /// The joints that move (revolute and prismatic), in order.
    public var movableJoints: [JointSpec] { joints.filter { $0.kind != .fixed } }
}
