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
            print(
                "| \(name) | \(s.name) | \(String(format: "%.0f", try Self.stepsPerSecond(scene: s, robot: name, steps: steps, repeats: repeats))) |")
        }
    }

    /// Median steps/s of `repeats` runs of `steps` steps, each in a fresh world (world building not timed).
    static func stepsPerSecond(scene: Scene, robot: String, steps: Int, repeats: Int) throws -> Double {
        var rates: [Double] = []
        for r in 0..<max(1, repeats) { rates.append(try stepsPerSecondOnce(scene: scene, robot: robot, steps: steps, seed: UInt64(r))) }
        return rates.sorted()[rates.count / 2]
    }

    /// Steps/s of one run of `steps` steps in a fresh world (world building not timed).
    static func stepsPerSecondOnce(scene: Scene, robot: String, steps: Int, seed: UInt64) throws -> Double {
        let (world, _) = try RobotAssembly.makeWorld(scene: scene, seed: seed, robot: robot, registry: EmbodimentRegistry.shared)
        let clock = ContinuousClock()
        let t0 = clock.now
        try world.step(steps)
        return Double(steps) / ((clock.now - t0) / .seconds(1))
    }

    /// Joint tracking on the trajectory bench/robot_peers.py runs in the peers: arm 0's first, second and fourth
    /// joints follow home + 0.3 rad x sin(2 pi t / 2 s) for 2 s, targets sent every step; RMS and largest error (rad).
    static func tracking(scene: Scene, robot: String) throws -> (rms: Double, max: Double) {
        let (world, controllers) = try RobotAssembly.makeWorld(scene: scene, robot: robot, registry: EmbodimentRegistry.shared)
        let c = controllers[0]
        let dofs = c.dofs(arm: 0).joints
        let home = c.embodiment.arms[0].home
        let tracked = [0, 1, 3].filter { $0 < dofs.count }
        let steps = Int((2.0 / world.timeStep).rounded())
        var squares = 0.0
        var worst = 0.0
        for s in 0..<steps {
            let t = Double(s + 1) * world.timeStep
            var q = home
            for j in tracked { q[j] += 0.3 * sin(2 * .pi * t / 2) }
            c.command(arm: 0, joints: q)
            try world.step()
            let measured = c.jointPositions
            for j in tracked {
                let e = measured[dofs[j]] - q[j]
                squares += e * e
                worst = max(worst, abs(e))
            }
        }
        return ((squares / Double(steps * tracked.count)).squareRoot(), worst)
    }
}
