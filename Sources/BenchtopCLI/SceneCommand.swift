import ArgumentParser
import BenchtopCore
import BenchtopPhysics
import BenchtopRobot
import BenchtopScene
import EmbodimentKit
import Foundation

/// `benchtop scene ...`
struct SceneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scene", abstract: "Validate and inspect scene files.",
        subcommands: [Check.self, Vary.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Validate a scene file and summarise it.")

        @Argument(help: "Scene file, or a name under scenes/ (e.g. pick_cube).")
        var scene: String

        @OptionGroup var plugins: EmbodimentPathOptions

        func run() throws {
            // Build the world too, so that check rejects what sim would (unknown embodiments, joint counts and
            // ranges, cameras on links a robot does not have).
            let (s, _) = try sceneWithRobots(scene, robot: nil, noRobots: false, seed: 0, plugins: plugins)
            print(SceneSummary(scene: s, path: SceneLoader.resolve(scene)).text)
        }
    }
}

/// Loads a scene, turning validation errors into a clean CLI failure.
func loadScene(_ path: String) throws -> Scene {
    do {
        return try SceneLoader.load(path: path)
    } catch let e as SceneError {
        throw BenchtopError(e.description)
    }
}

/// A human-readable summary of a scene.
struct SceneSummary {
    let scene: Scene
    let path: String

    var text: String {
        var lines = ["\(path): OK", "scene \(scene.name)" + (scene.description.isEmpty ? "" : ": \(scene.description)")]
        let t = scene.table
        lines.append(
            String(
                format: "table %.2f x %.2f m, top at %.3f m, friction %.2f, texture %@",
                t.size.x, t.size.y, t.height, t.friction, t.texture.rawValue))
        lines.append("objects (\(scene.objects.count)):")
        for o in scene.objects {
            let e = o.asset.halfExtents * 2
            var line = String(format: "  %-12@ %-8@ %.3f x %.3f x %.3f m  ", o.name, o.asset.kindName, e.x, e.y, e.z)
            line += o.isStatic ? "static" : String(format: "%.3f kg", o.mass)
            line += String(
                format: "  at (%.3f, %.3f%@)", o.position.x, o.position.y,
                o.restsOnTable ? ", on table" : String(format: ", %.3f", o.position.z))
            if let r = o.randomization {
                line += String(
                    format: "  random x±%.3f y±%.3f yaw±%.2f", (r.x.upperBound - r.x.lowerBound) / 2,
                    (r.y.upperBound - r.y.lowerBound) / 2, (r.yaw.upperBound - r.yaw.lowerBound) / 2)
            }
            lines.append(line)
        }
        lines.append("lights: \(scene.lights.count)")
        lines.append(
            "cameras: " + (scene.cameras.isEmpty ? "none" : scene.cameras.map { "\($0.name) \($0.width)x\($0.height)" }.joined(separator: ", ")))
        lines.append("robots: " + (scene.robots.isEmpty ? "none" : scene.robots.map { "\($0.name) (\($0.embodiment))" }.joined(separator: ", ")))
        if let task = scene.task {
            lines.append(
                "task: \"\(task.instruction)\", success: \(task.success), stages: \(task.stages.map(\.name)), time limit \(task.timeLimit) s")
        } else {
            lines.append("task: none")
        }
        let p = scene.physics
        lines.append(String(format: "physics: step %.6f s (%.0f Hz), %d solver iterations", p.timeStep, 1 / p.timeStep, p.solverIterations))
        return lines.joined(separator: "\n")
    }
}

/// Loads a scene and builds its world with its robots (or `robot` in their place), adding the robots' mounted
/// cameras to the scene. Robots hold their home pose with their joint motors.
func sceneWithRobots(
    _ path: String, robot: String?, noRobots: Bool, seed: UInt64,
    plugins: EmbodimentPathOptions
) throws -> (Scene, World) {
    var s = try loadScene(path)
    if noRobots { s.robots = [] }
    try plugins.load()
    do {
        let compiled = try CompiledScene(scene: s, robot: robot, registry: .shared)
        let (world, _) = try compiled.makeWorld(seed: seed, mode: nil)
        return (compiled.scene, world)
    } catch let e as EmbodimentError {
        throw BenchtopError(e.description)
    }
}
