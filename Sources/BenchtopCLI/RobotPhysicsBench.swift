import ArgumentParser
import BenchtopCore
import BenchtopPhysics
import BenchtopRobot
import BenchtopScene
import EmbodimentKit
import Foundation

/// `benchtop bench robot --robot NAME`: physics steps per second of a scene with a robot holding its home pose
/// under its joint motors (the `--robot` path of `bench physics`, kept in its own file for the lead to wire in).
struct RobotPhysicsBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "robot", abstract: "Physics steps/s with a robot in a scene.")

    @Option(help: "Scene file or name.") var scene: String = "pick_cube"
    @Option(help: "Embodiment (repeatable; default: every registered one).") var robot: [String] = []
    @Option(help: "Steps per repetition.") var steps: Int = 2400
    @Option(help: "Repetitions; the median is reported.") var repeats: Int = 5
    @OptionGroup var plugins: EmbodimentPathOptions

    func run() throws {
        try plugins.load()
        let s = try loadScene(scene)
        let names = robot.isEmpty ? EmbodimentRegistry.shared.names : robot
        print("| embodiment | scene | steps/s (median of \(repeats) x \(steps)) |")
        print("|---|---|---|")
        for name in names {
            print("| \(name) | \(s.name) | \(String(format: "%.0f", try Self.stepsPerSecond(scene: s, robot: name, steps: steps, repeats: repeats))) |")
        }
    }

    /// Median steps/s of `repeats` runs of `steps` steps, each in a fresh world (world building not timed).
    static func stepsPerSecond(scene: Scene, robot: String, steps: Int, repeats: Int) throws -> Double {
        var rates: [Double] = []
        for r in 0..<max(1, repeats) {
            let (world, _) = try RobotAssembly.makeWorld(scene: scene, seed: UInt64(r), robot: robot, registry: EmbodimentRegistry.shared)
            let clock = ContinuousClock()
            let t0 = clock.now
            try world.step(steps)
            let e = clock.now - t0
            rates.append(Double(steps) / (Double(e.components.seconds) + Double(e.components.attoseconds) * 1e-18))
        }
        return rates.sorted()[rates.count / 2]
    }
}
