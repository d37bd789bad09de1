import BenchtopCore
import BenchtopPhysics
import BenchtopScene
import EmbodimentKit

/// A scene compiled for one choice of robot (MuJoCo's spec -> model): each robot placement resolved against the
/// embodiment registry, each robot's articulation spec, and the scene's cameras with the robots' mounted
/// cameras added. Nothing in it depends on a seed; worlds are built from it with one (`makeWorld`), so every
/// command that places robots compiles once and builds as many worlds as it needs.
public struct CompiledScene: Sendable {
    /// One robot of the scene, resolved.
    public struct Robot: Sendable {
        public var placement: RobotPlacement
        public var embodiment: EmbodimentDescriptor
        public var articulation: ArticulationSpec
    }

    /// The scene as compiled: `robots` are the resolved placements (after any `robot` override) and `cameras`
    /// include the robots' mounted cameras.
    public private(set) var scene: Scene
    public let robots: [Robot]
    /// Cameras the robots brought (not in the source scene), in robot order.
    public let mountedCameras: [Camera]

    /// - Parameter robot: an embodiment that replaces every robot's (at its default base), or places one robot
    ///   when the scene has none; nil keeps the scene's robots.
    public init(scene source: Scene, robot: String? = nil, registry: EmbodimentRegistry) throws {
        let placements = try RobotAssembly.placements(scene: source, robot: robot, registry: registry)
        robots = try placements.map { placement, embodiment in
            Robot(
                placement: placement, embodiment: embodiment,
                articulation: try RobotAssembly.articulation(for: placement, embodiment: embodiment))
        }
        var scene = RobotAssembly.addingMountedCameras(to: source, placements: placements)
        try RobotAssembly.checkCameraLinks(scene: scene, placements: placements)
        mountedCameras = scene.cameras.filter { c in !source.cameras.contains { $0.name == c.name } }
        scene.robots = placements.map(\.0)
        self.scene = scene
    }

    /// Every camera (mounted ones included) rendered at `size` x `size` pixels.
    public mutating func resizeCameras(to size: Int) {
        for i in scene.cameras.indices {
            scene.cameras[i].width = size
            scene.cameras[i].height = size
        }
    }

    /// A world of the scene laid out by `seed`, robots at their initial joints.
    public func makeWorld(seed: UInt64) throws -> World {
        try World(scene: scene, seed: seed, articulations: robots.map(\.articulation))
    }

    /// A world laid out by `seed` and one controller per robot (in scene order) in control mode `mode` (nil: each
    /// embodiment's first), holding the robots' initial joints.
    public func makeWorld(seed: UInt64, mode: String?) throws -> (World, [RobotController]) {
        let world = try makeWorld(seed: seed)
        let controllers = try robots.enumerated().map { i, robot in
            let c = try RobotController(world: world, articulation: i, embodiment: robot.embodiment, mode: mode)
            c.setJointTargets(robot.articulation.initialPositions)
            return c
        }
        return (world, controllers)
    }
}
