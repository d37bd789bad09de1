import BenchtopCore

/// A static, editable description of a tabletop world: table, objects, lights, cameras, robots and task.
///
/// Loaded from YAML or JSON by `SceneLoader`, which validates every field. Lengths are metres,
/// angles radians (except camera field of view, in degrees as in MuJoCo and OpenGL tools), masses kg.
public struct Scene: Sendable, Hashable {
    public var name: String
    public var description: String
    public var physics: PhysicsSettings
    public var table: Table
    public var objects: [SceneObject]
    public var lights: [Light]
    public var background: Color
    public var cameras: [Camera]
    public var robots: [RobotPlacement]
    public var task: TaskSpec?

    public init(
        name: String, description: String = "", physics: PhysicsSettings = .init(), table: Table = .init(),
        objects: [SceneObject] = [], lights: [Light] = [Light()], background: Color = Color(0.78, 0.82, 0.88),
        cameras: [Camera] = [], robots: [RobotPlacement] = [], task: TaskSpec? = nil
    ) {
        self.name = name
        self.description = description
        self.physics = physics
        self.table = table
        self.objects = objects
        self.lights = lights
        self.background = background
        self.cameras = cameras
        self.robots = robots
        self.task = task
    }

    /// The object with a given name.
    public func object(named name: String) -> SceneObject? { objects.first { $0.name == name } }
}

/// Integration and solver settings. Defaults are chosen for stable tabletop contact at least cost
/// (see the README's performance section for how they were chosen).
public struct PhysicsSettings: Sendable, Hashable {
    /// Fixed physics step in seconds.
    public var timeStep: Double = 1.0 / 240.0
    public var solverIterations: Int = 10
    public var gravity: SIMD3<Double> = SIMD3(0, 0, -9.81)
    /// Contact error reduction (split impulse position correction).
    public var contactERP: Double = 0.2
    public var splitImpulse: Bool = true
    public init() {}
}

/// Procedural table textures (no downloaded assets).
public enum TableTexture: String, Sendable, Hashable, CaseIterable {
    case wood, checker, noise, plain
}

/// Procedural object textures, drawn in the object's own frame in its colour and a lighter tint of it.
public enum ObjectTexture: String, Sendable, Hashable, CaseIterable {
    case stripes, checker, dots, noise
}

/// The table: a box whose top surface is at `height` above the floor (z = 0).
public struct Table: Sendable, Hashable {
    /// Top size along x and y, metres.
    public var size: SIMD2<Double> = SIMD2(1.0, 1.2)
    /// Centre of the top in the xy plane.
    public var center: SIMD2<Double> = SIMD2(0.35, 0)
    /// Height of the top surface above the floor.
    public var height: Double = 0.75
    public var thickness: Double = 0.05
    public var friction: Double = 0.8
    public var color: Color = Color(0.62, 0.45, 0.3)
    public var texture: TableTexture = .wood
    public init() {}
}

/// Ranges an object's placement is randomised over at reset, drawn from the seed.
public struct PlacementRandomization: Sendable, Hashable {
    /// Offset ranges in metres, added to the nominal x and y.
    public var x: ClosedRange<Double> = 0...0
    public var y: ClosedRange<Double> = 0...0
    /// Yaw range in radians, added to the nominal yaw.
    public var yaw: ClosedRange<Double> = 0...0
    public init(x: ClosedRange<Double> = 0...0, y: ClosedRange<Double> = 0...0, yaw: ClosedRange<Double> = 0...0) {
        self.x = x
        self.y = y
        self.yaw = yaw
    }
}

/// One object on the table, made from an asset of the library.
public struct SceneObject: Sendable, Hashable {
    public var name: String
    public var asset: Asset
    public var mass: Double
    public var color: Color
    /// Nominal position; `z == nil` rests the object on the table top.
    public var position: SIMD3<Double>
    public var restsOnTable: Bool
    /// Roll, pitch, yaw in radians.
    public var orientation: SIMD3<Double>
    public var friction: Double
    /// Resistance to rolling, in metres (Bullet's torque limit per newton of normal force); round assets default to
    /// `Asset.defaultRollingFriction`.
    public var rollingFriction: Double
    public var spinningFriction: Double
    public var restitution: Double
    /// Static objects never move (fixtures, targets).
    public var isStatic: Bool
    public var randomization: PlacementRandomization?
    /// Procedural surface pattern; `nil` draws the plain colour.
    public var texture: ObjectTexture?

    public init(
        name: String, asset: Asset, mass: Double, color: Color, position: SIMD3<Double>,
        restsOnTable: Bool = true, orientation: SIMD3<Double> = .zero, friction: Double = 0.8,
        rollingFriction: Double? = nil, spinningFriction: Double = 0.001, restitution: Double = 0.0,
        isStatic: Bool = false, randomization: PlacementRandomization? = nil, texture: ObjectTexture? = nil
    ) {
        self.name = name
        self.asset = asset
        self.mass = mass
        self.color = color
        self.position = position
        self.restsOnTable = restsOnTable
        self.orientation = orientation
        self.friction = friction
        self.rollingFriction = rollingFriction ?? asset.defaultRollingFriction
        self.spinningFriction = spinningFriction
        self.restitution = restitution
        self.isStatic = isStatic
        self.randomization = randomization
        self.texture = texture
    }
}

/// A directional light.
public struct Light: Sendable, Hashable {
    /// Direction the light travels (from the light towards the scene).
    public var direction: SIMD3<Double> = SIMD3(-0.4, 0.3, -1.0)
    public var color: Color = Color(1, 1, 1)
    public var intensity: Double = 1.0
    public var castsShadows: Bool = true
    public init(
        direction: SIMD3<Double> = SIMD3(-0.4, 0.3, -1.0), color: Color = Color(1, 1, 1),
        intensity: Double = 1.0, castsShadows: Bool = true
    ) {
        self.direction = direction
        self.color = color
        self.intensity = intensity
        self.castsShadows = castsShadows
    }
}

/// How a camera is placed.
public enum CameraMount: Sendable, Hashable {
    /// A fixed world pose (camera looks along its local -z, y up: the OpenGL convention).
    case pose(Pose)
    /// A fixed position looking at a target.
    case lookAt(eye: SIMD3<Double>, target: SIMD3<Double>, up: SIMD3<Double>)
    /// Rigidly attached to a robot link (wrist cameras); the offset is in the link frame.
    case link(robot: String, link: String, offset: Pose)
}

/// Pinhole intrinsics: either a vertical field of view or focal lengths and principal point in pixels.
public enum CameraIntrinsics: Sendable, Hashable {
    case verticalFieldOfView(degrees: Double)
    case focal(fx: Double, fy: Double, cx: Double, cy: Double)
}

/// A named camera.
public struct Camera: Sendable, Hashable {
    public var name: String
    public var mount: CameraMount
    public var intrinsics: CameraIntrinsics
    public var width: Int
    public var height: Int
    public var near: Double = 0.01
    public var far: Double = 10.0
    public init(
        name: String, mount: CameraMount, intrinsics: CameraIntrinsics = .verticalFieldOfView(degrees: 45),
        width: Int = 256, height: Int = 256, near: Double = 0.01, far: Double = 10.0
    ) {
        self.name = name
        self.mount = mount
        self.intrinsics = intrinsics
        self.width = width
        self.height = height
        self.near = near
        self.far = far
    }
}

/// Where a robot of an embodiment stands.
public struct RobotPlacement: Sendable, Hashable {
    public var name: String
    /// Registered embodiment name (`benchtop embodiments list`).
    public var embodiment: String
    public var base: Pose
    /// Initial joint positions; nil means the embodiment's home pose.
    public var initialJoints: [Double]?
    public init(name: String, embodiment: String, base: Pose, initialJoints: [Double]? = nil) {
        self.name = name
        self.embodiment = embodiment
        self.base = base
        self.initialJoints = initialJoints
    }
}
