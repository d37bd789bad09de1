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
                throw EmbodimentError(
                    embodiment: embodiment.name, field: "robots[\(placement.name)].joints",
                    "expected \(home.count) joint positions (\(embodiment.joints.map(\.name).joined(separator: ", "))), got \(q.count)")
            }
            for (i, j) in embodiment.joints.enumerated() {
                // Limited joints start inside their limits; unlimited ones within one turn either way.
                let range = j.lower <= j.upper ? (j.lower - 1e-6)...(j.upper + 1e-6) : (-2 * Double.pi)...(2 * Double.pi)
                guard range.contains(q[i]) else {
                    throw EmbodimentError(
                        embodiment: embodiment.name, field: "robots[\(placement.name)].joints[\(i)]",
                        "\(q[i]) is outside \(j.name)'s range [\(range.lowerBound), \(range.upperBound)]")
                }
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
                    if p.embodiment != robot {
                        placement.embodiment = robot
                        placement.base = d.defaultBase
                        placement.initialJoints = nil
                    }
                    result.append((placement, d))
                }
            }
        } else {
            for p in scene.robots { result.append((p, try registry.embodiment(named: p.embodiment))) }
        }
        return result
    }

    /// The scene with each robot's mounted cameras added (as `.link` cameras named after the embodiment's
    /// cameras); a scene camera of the same name wins.
    public static func addingMountedCameras(to scene: Scene, placements: [(RobotPlacement, EmbodimentDescriptor)]) -> Scene {
        var scene = scene
        for (placement, embodiment) in placements {
            for cam in embodiment.cameras where !scene.cameras.contains(where: { $0.name == cam.name }) {
                scene.cameras.append(
                    Camera(
                        name: cam.name, mount: .link(robot: placement.name, link: cam.link, offset: cam.offset),
                        intrinsics: .verticalFieldOfView(degrees: cam.verticalFieldOfView),
                        width: cam.width, height: cam.height))
            }
        }
        return scene
    }

    /// Every camera mounted on a robot link names a robot of the scene and a link of its embodiment (found
    /// at build time, not at the first render).
    public static func checkCameraLinks(scene: Scene, placements: [(RobotPlacement, EmbodimentDescriptor)]) throws {
        for (i, camera) in scene.cameras.enumerated() {
            guard case .link(let robot, let link, _) = camera.mount else { continue }
            guard let (_, embodiment) = placements.first(where: { $0.0.name == robot }) else {
                throw EmbodimentError(
                    embodiment: robot, field: "cameras[\(i)].mount.robot",
                    "camera '\(camera.name)' is mounted on robot '\(robot)', which is not in the scene")
            }
            let links = embodiment.articulation.links.map(\.name)
            guard links.contains(link) else {
                throw EmbodimentError(
                    embodiment: embodiment.name, field: "cameras[\(i)].mount.link",
                    "camera '\(camera.name)' is mounted on link '\(link)', which \(embodiment.name) does not have"
                        + Suggestion.phrase(for: link, in: links) + "; links: \(links.joined(separator: ", "))")
            }
        }
    }

    /// A world holding the scene and its robots, and one controller per robot (in scene order).
    public static func makeWorld(
        scene: Scene, seed: UInt64 = 0, robot: String? = nil, registry: EmbodimentRegistry,
        mode: String? = nil
    ) throws -> (World, [RobotController]) {
        try CompiledScene(scene: scene, robot: robot, registry: registry).makeWorld(seed: seed, mode: mode)
    }
}
