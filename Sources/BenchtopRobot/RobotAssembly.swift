import BenchtopCore
import BenchtopPhysics
import BenchtopScene
import EmbodimentKit

/// Builds worlds with robots: resolves each scene robot's embodiment and placement into an `ArticulationSpec`.
public enum RobotAssembly {
    /// The articulation of a robot placement: the embodiment's tree at the placement's base, starting at the
    /// placement's joints or the embodiment's home pose.
    public static func articulation(for placement: RobotPlacement, embodiment: EmbodimentDescriptor) throws -> ArticulationSpec {
        var spec = embodiment.articulation
        spec.name = placement.name
        spec.base = placement.base
        spec.fixedBase = true
        let home = embodiment.homePositions
        if let q = placement.initialJoints {
            guard q.count == home.count else {
                throw EmbodimentError(embodiment: embodiment.name, field: "robots[\(placement.name)].joints",
                                      "expected \(home.count) joint positions (\(embodiment.joints.map(\.name).joined(separator: ", "))), got \(q.count)")
            }
            spec.initialPositions = q
        } else {
            spec.initialPositions = home
        }
        return spec
    }

    /// A scene's robots with an optional override: `robot` replaces the embodiment of every placement (or adds
    /// one robot named `robot` at the embodiment's default base when the scene has none). When the embodiment
    /// changes, the base moves to the new embodiment's default base, since the scene's placement was chosen for
    /// another robot.
    public static func placements(scene: Scene, robot: String?, registry: EmbodimentRegistry) throws -> [(RobotPlacement, EmbodimentDescriptor)] {
        var result: [(RobotPlacement, EmbodimentDescriptor)] = []
        if let robot {
            let d = try registry.embodiment(named: robot)
            if scene.robots.isEmpty {
                result.append((RobotPlacement(name: "robot", embodiment: robot, base: d.defaultBase), d))
            } else {
                for p in scene.robots {
                    var placement = p
                    if p.embodiment != robot { placement.embodiment = robot; placement.base = d.defaultBase; placement.initialJoints = nil }
                    result.append((placement, d))
                }
            }
        } else {
            for p in scene.robots { result.append((p, try registry.embodiment(named: p.embodiment))) }
        }
        return result
    }

    /// A world holding the scene and its robots, and one controller per robot (in scene order).
    public static func makeWorld(scene: Scene, seed: UInt64 = 0, robot: String? = nil, registry: EmbodimentRegistry,
                                 mode: String? = nil) throws -> (World, [RobotController]) {
        let robots = try placements(scene: scene, robot: robot, registry: registry)
        let specs = try robots.map { try articulation(for: $0.0, embodiment: $0.1) }
        let world = try World(scene: scene, seed: seed, articulations: specs)
        let controllers = try robots.enumerated().map { i, r in
            let c = try RobotController(world: world, articulation: i, embodiment: r.1, mode: mode)
            c.setJointTargets(specs[i].initialPositions)
            return c
        }
        return (world, controllers)
    }
}
